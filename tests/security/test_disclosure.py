"""Disclosure, the one step between the figures and each audience (projects/disclosure.py).

The cases of ../shared/cases/outputs/README.md ("small counts", "rows for a donor"), on the demo: a
donor viewer and a partner without the personal-data grant get the figures with small counts withheld,
identically on the dashboard, in the progress API and in the 3W export; managers get exact figures.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, User
from demo.loader import load_demo
from projects.models import Project

CASES = Path(settings.BASE_DIR).parent / "shared" / "cases" / "outputs" / "README.md"
DAY = {"start": "2024-07-17", "end": "2024-07-17"}


@pytest.fixture(autouse=True)
def _case_file():
    if not CASES.is_file():
        pytest.skip("../shared/cases/outputs is not beside the project")
    text = CASES.read_text()
    assert "GET /api/v1/projects/1/progress/?start=2024-07-17&end=2024-07-17" in text
    cache.clear()  # throttle counters


@pytest.fixture
def demo(db):
    load_demo()
    return Project.objects.get(code="MLI-JPN-2024-SNFI")


def api_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def _site(progress: dict, name: str) -> dict:
    return next(row for row in progress["by_site"] if row["site__name"] == name)


def test_progress_api_withholds_takouti_for_donor_and_partner(demo):
    """Case "small counts": Takouti's 1 household, 3 individuals on 17 July are withheld, as in the 3W export."""
    url = f"/api/v1/projects/{demo.pk}/progress/"
    exact = api_as("manager").get(url, DAY).json()
    takouti = _site(exact, "Takouti")
    assert (takouti["households"], takouti["individuals"]) == (1, 3)  # the manager sees exact figures
    assert exact["reach"]["households"] < settings.SMALL_COUNT_THRESHOLD
    for username in ("donor", "partner"):
        answer = api_as(username).get(url, DAY)
        assert answer.status_code == 200
        progress = answer.json()
        takouti = _site(progress, "Takouti")
        assert takouti["withheld"] is True
        assert takouti["households"] is None and takouti["individuals"] is None and takouti["kits"] is None
        # The whole day reached fewer households than the threshold: the totals and the pyramid go too.
        assert set(progress["reach"].values()) == {None}
        assert all(row["kits"] is None for row in progress["kits_by_type"])
        assert all(target["achieved"] is None for target in progress["targets"])
        numbers = [
            value
            for row in (*progress["by_site"], *progress["by_region"], *progress["reach_by_displacement"])
            for key, value in row.items()
            if key in ("households", "individuals")
        ]
        assert all(value is None for value in numbers)


def test_3w_export_withholds_the_same_day(demo):
    lines = api_as("donor").get(
        "/api/v1/exports/3w.csv", {"received_after": "2024-07-17", "received_before": "2024-07-18"}
    )
    text = b"".join(lines.streaming_content).decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text)) if any("Takouti" in cell for cell in row)]
    assert rows and all(f"<{settings.SMALL_COUNT_THRESHOLD}" in row for row in rows)


def test_dashboard_withholds_takouti_for_donor_shows_it_to_manager(client, demo):
    """Case "small counts", the dashboard page: the same rule as the API (one function applies both)."""
    url = reverse("dashboard:project", args=[demo.pk])
    marker = f"&lt;{settings.SMALL_COUNT_THRESHOLD}"
    client.force_login(User.objects.get(username="donor"))
    html = client.get(url, DAY).content.decode()
    takouti = re.search(r"<th scope=\"row\">Takouti .*?</tr>", html, re.S).group(0)
    assert marker in takouti and not re.search(r">\s*[1-4]\s*<", takouti)
    assert 'class="female"' not in html  # no sex-and-age pyramid of one household
    assert "withheld" in html
    client.force_login(User.objects.get(username="manager"))
    html = client.get(url, DAY).content.decode()
    takouti = re.search(r"<th scope=\"row\">Takouti .*?</tr>", html, re.S).group(0)
    assert ">1<" in takouti and ">3<" in takouti and marker not in takouti
    assert 'class="female"' in html


def test_whole_project_withholds_only_the_small_cells(demo):
    """Over the whole project, the headline reach is published and small sites with their complement withheld."""
    progress = api_as("donor").get(f"/api/v1/projects/{demo.pk}/progress/").json()
    assert progress["reach"]["households"] == 100
    for row in progress["by_site"]:
        if row["withheld"]:
            assert row["households"] is None
        else:
            assert row["households"] == 0 or row["households"] >= settings.SMALL_COUNT_THRESHOLD
    shown = [row["cumulative_households"] for row in progress["reach_over_time"] if not row["withheld"]]
    steps = [b - a for a, b in zip([0, *shown], shown, strict=False)]
    assert all(step == 0 or step >= settings.SMALL_COUNT_THRESHOLD for step in steps)


def test_donor_report_of_one_small_day_withholds_reach_in_pdf_and_xlsx(demo, tmp_path, settings):
    """Every donor report format: a period reaching fewer households than the threshold shows the marker."""
    import datetime

    from django.core.files.storage import default_storage
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from projects.models import ProgressReport
    from projects.report_jobs import build_report
    from projects.services import request_report

    settings.MEDIA_ROOT = tmp_path
    report = request_report(
        project=demo,
        requested_by=User.objects.get(username="manager"),
        period_start=datetime.date(2024, 7, 17),
        period_end=datetime.date(2024, 7, 17),
    )
    build_report(report.pk)
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.DONE, report.error
    assert 0 < report.figures["period"]["reach"]["households"] < settings.SMALL_COUNT_THRESHOLD
    marker = f"<{settings.SMALL_COUNT_THRESHOLD}"
    with default_storage.open(report.outputs["xlsx"], "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    period_column = [row[1] for row in workbook["By sex and age"].iter_rows(min_row=2, values_only=True)]
    assert period_column and set(period_column) == {marker}
    with default_storage.open(report.outputs["pdf"], "rb") as handle:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert f"Households reached in the period: {marker}" in " ".join(text.split())


@pytest.fixture
def small_project(db):
    """A project that reached 2 households (below the threshold), with a donor viewer and a manager."""
    from distributions.services import record_receipt
    from tests import factories

    kit = factories.kit_type("ESK-SMALL")
    project = factories.project("SMALL-1")
    factories.target(project, value=10, kit_type=kit)
    site = factories.site()
    distribution = factories.distribution(project, site, kits=[kit])
    officer = factories.user(sites=[site])
    for _ in range(2):
        record_receipt(
            recorded_by=officer,
            distribution=distribution,
            household=factories.household(site, registered_by=officer),
            kit_type=kit,
            verification_method="registration_code",
        )
    users = {
        "donor": factories.user(Role.DONOR_VIEWER, projects=[project], username="small-donor"),
        "manager": factories.user(Role.PROGRAMME_MANAGER, projects=[project], username="small-manager"),
    }
    return project, users


def _list_row(html: str, code: str) -> str:
    pattern = rf"<tr>\s*<td><a [^>]*>[^<]*</a><div class=\"meta code\">{code}</div>.*?</tr>"
    return re.search(pattern, html, re.S).group(0)


def test_project_list_headline_withholds_a_small_project_for_a_donor(client, small_project):
    """The project list's headline obeys the dashboard's rule (projects/disclosure.py, disclosed_headline)."""
    project, users = small_project
    marker = f"&lt;{settings.SMALL_COUNT_THRESHOLD}"
    client.force_login(users["donor"])
    row = _list_row(client.get(reverse("dashboard:project-list")).content.decode(), project.code)
    assert row.count(marker) == 4  # kits, percent, households, individuals
    assert not re.search(r">\s*2\s*<", row)
    client.force_login(users["manager"])
    row = _list_row(client.get(reverse("dashboard:project-list")).content.decode(), project.code)
    assert marker not in row and re.search(r">\s*2\s*<", row)


def test_project_list_api_headline_withholds_a_small_project_for_a_donor(small_project):
    project, _users = small_project
    for username, expected in (("small-donor", None), ("small-manager", 2)):
        answer = api_as(username).get("/api/v1/projects/")
        assert answer.status_code == 200
        row = next(row for row in answer.json()["results"] if row["code"] == project.code)
        assert row["progress"]["households"] == expected
        if expected is None:
            assert row["progress"]["percent"] is None and row["progress"]["kits"] is None


def _hidden_tail(progress: dict) -> tuple[int, int]:
    """What the published reach total gives back of the withheld end of the timeline: total - last shown point."""
    shown = [row for row in progress["reach_over_time"] if not row["withheld"]]
    last = shown[-1] if shown else {"cumulative_households": 0, "cumulative_individuals": 0}
    reach = progress["reach"]
    return (
        reach["households"] - last["cumulative_households"],
        reach["individuals"] - last["cumulative_individuals"],
    )


@pytest.mark.parametrize("username", ["donor", "partner"])
def test_a_withheld_last_week_does_not_come_back_from_the_reach_total(demo, username):
    """Review of issue 13: Takouti's last week (3 households, 11 individuals) was withheld on the timeline, but
    the published reach (30, 189) minus the last running total shown (27, 178) gave it back. Complements too."""
    url = f"/api/v1/projects/{demo.pk}/progress/"
    for site in demo.distributions.values_list("site_id", flat=True).distinct():
        progress = api_as(username).get(url, {"site": site}).json()
        if progress["reach"]["households"] is None:
            continue  # everything withheld
        households, _individuals = _hidden_tail(progress)
        assert households == 0 or households >= settings.SMALL_COUNT_THRESHOLD, (site, progress["reach_over_time"])


def test_the_donor_report_chart_hides_a_small_last_step_behind_the_total():
    """The same rule on a report's timeline (projects.disclosure.shown_running_totals): the to-date total is
    printed beside the chart, so the last point shown must leave 0 or at least the threshold to it."""
    from projects.disclosure import shown_running_totals

    rows = [
        {"bucket": "2024-07-01", "households": 14, "cumulative_households": 14, "individuals": 89,
         "cumulative_individuals": 89},
        {"bucket": "2024-07-08", "households": 13, "cumulative_households": 27, "individuals": 89,
         "cumulative_individuals": 178},
        {"bucket": "2024-07-15", "households": 3, "cumulative_households": 30, "individuals": 11,
         "cumulative_individuals": 189},
    ]  # fmt: skip
    shown = [row for row in shown_running_totals(rows, "households", "individuals") if not row["withheld"]]
    tail = 30 - (shown[-1]["cumulative_households"] if shown else 0)
    assert tail == 0 or tail >= settings.SMALL_COUNT_THRESHOLD
    totals = [row["cumulative_households"] for row in shown]
    steps = [b - a for a, b in zip([0, *totals], totals, strict=False)]
    assert all(step == 0 or step >= settings.SMALL_COUNT_THRESHOLD for step in steps)
    assert [row["households"] for row in shown] == steps  # each step shown is the difference of two shown totals


def test_the_json_report_of_a_small_day_does_not_reach_a_donor(demo, tmp_path, settings, client):
    """Review of issue 13: the report's JSON output is its frozen, exact figures (Takouti on 17 July: 1
    household, 3 individuals); a donor downloaded it from the API and the dashboard. The formats drawn for
    donors (PDF, XLSX, CSV, IATI) withhold; the JSON is for roles that see exact figures only."""
    import datetime

    from projects.report_jobs import build_report
    from projects.services import request_report

    settings.MEDIA_ROOT = tmp_path
    report = request_report(
        project=demo,
        requested_by=User.objects.get(username="manager"),
        period_start=datetime.date(2024, 7, 17),
        period_end=datetime.date(2024, 7, 17),
    )
    build_report(report.pk)
    api = f"/api/v1/reports/{report.pk}/"
    page = reverse("dashboard:report-download", args=[report.pk, "json"])
    for username in ("donor", "partner"):
        assert "json" not in api_as(username).get(api).json()["downloads"]
        assert api_as(username).get(f"{api}json/").status_code == 404
        client.force_login(User.objects.get(username=username))
        assert client.get(page).status_code == 404
        assert "/json/" not in client.get(reverse("dashboard:project", args=[demo.pk])).content.decode()
    assert api_as("manager").get(f"{api}json/").status_code == 200
    client.force_login(User.objects.get(username="manager"))
    assert client.get(page).status_code == 200
