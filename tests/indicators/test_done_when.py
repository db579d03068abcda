"""Issue 21's "Done when": results of each kind are reported (API and page), some approved, one returned and
corrected, one left waiting; exactly the approved figures appear in the dashboard, the progress API, and the
donor report's XLSX, PDF and IATI XML (validated against the IATI 2.03 schema)."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import etree
from openpyxl import load_workbook

from projects.indicators.models import IndicatorResult
from projects.reports import iati
from projects.services import request_report
from tests.indicators.conftest import PNG, api_client

pytestmark = pytest.mark.usefixtures("eager_celery")

# The approved figures the outputs must show (module docstring): nothing else counts.
APPROVED = {"latrines": 12, "water-points": 2, "hygiene-awareness": 40, "tents-civil-protection": 20}
HYGIENE_GROUPS = {"females_0_17": 12, "males_0_17": 10, "females_18_plus": 11, "males_18_plus": 7}
NAMES = {
    "latrines": "Emergency latrines built",
    "water-points": "Water points rehabilitated",
    "hygiene-awareness": "People reached by hygiene and sanitation awareness sessions",
    "tents-civil-protection": "Multi-purpose tents handed to the Civil Protection",
}


def _post(client, url, data):
    answer = client.post(url, data, format="json")
    assert answer.status_code in (200, 201), answer.content
    return answer.json()


def report_results(world) -> dict[str, int]:
    """Every kind reported, reviewed as the docstring says; returns {label: result id}."""
    officer = api_client(world["users"]["officer"])
    manager = api_client(world["users"]["manager"])
    admin = api_client(world["users"]["admin"])
    ids = {}
    indicator = {code: i.pk for code, i in world["indicators"].items()}
    url = "/api/v1/indicator-results/"
    for label, code, site, quantity, extra in (
        ("latrines-walirde", "latrines", "ML-MOP-WAL", 5, {}),
        ("latrines-takouti", "latrines", "ML-MOP-TAK", 3, {}),
        ("water-walirde", "water-points", "ML-MOP-WAL", 2, {}),
        ("water-waiting", "water-points", "ML-MOP-TAK", 1, {}),
        ("hygiene-sarema", "hygiene-awareness", "ML-MOP-SAR", 40, HYGIENE_GROUPS),
    ):
        body = {"indicator": indicator[code], "date": "2024-08-10", "site": site, "quantity": quantity, **extra}
        ids[label] = _post(officer, url, body)["id"]
    # A page report with its evidence (a photo), by the officer.
    page = Client()
    page.force_login(world["users"]["officer"])
    answer = page.post(
        "/indicators/report/",
        {
            "indicator": indicator["latrines"],
            "date": "2024-08-12",
            "site": world["project"].distributions.get(name__endswith="July 2024: Takouti").site_id,
            "quantity": 7,
            "note": "Two blocks of latrines",
            "evidence": SimpleUploadedFile("latrines.png", PNG, content_type="image/png"),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    ids["latrines-page"] = IndicatorResult.objects.get(quantity=7, indicator_id=indicator["latrines"]).pk
    # The tents: the manager reports the handover for the Mopti region; the administrator approves it.
    ids["tents"] = _post(
        manager,
        url,
        {
            "indicator": indicator["tents-civil-protection"],
            "date": "2024-08-20",
            "admin_area": "ML05",
            "quantity": 20,
            "handover_to": world["civil_protection"].name,
        },
    )["id"]
    for label in ("latrines-walirde", "water-walirde", "hygiene-sarema", "latrines-page"):
        assert _post(manager, f"{url}{ids[label]}/approve/", {})["status"] == "approved"
    assert _post(admin, f"{url}{ids['tents']}/approve/", {})["status"] == "approved"
    returned = _post(manager, f"{url}{ids['latrines-takouti']}/return/", {"reason": "Photo missing"})
    assert (returned["status"], returned["return_reason"]) == ("returned", "Photo missing")
    # Corrected and submitted again: waiting for a new review, so still not counted.
    corrected = officer.patch(f"{url}{ids['latrines-takouti']}/", {"quantity": 4}, format="json")
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["status"] == "submitted"
    return ids


def activity_targets(targets) -> dict[str, dict]:
    return {NAME_CODES[t["label"]]: t for t in targets if t["indicator"] == "activity"}


NAME_CODES = {name: code for code, name in NAMES.items()}


def test_only_approved_results_reach_every_output(world, django_capture_on_commit_callbacks):
    report_results(world)
    project, manager = world["project"], world["users"]["manager"]

    # The dashboard (its context's figures, and the page), as the manager and as the donor.
    page = Client()
    page.force_login(manager)
    answer = page.get(f"/dashboard/projects/{project.pk}/")
    shown = {NAME_CODES[t.label]: t.achieved for t in answer.context["progress"].targets if t.indicator == "activity"}
    assert shown == APPROVED
    assert "Emergency latrines built (latrines)" in answer.content.decode()
    page.force_login(world["users"]["donor"])
    donor_targets = page.get(f"/dashboard/projects/{project.pk}/").context["progress"].targets
    assert {NAME_CODES[t.label]: t.achieved for t in donor_targets if t.indicator == "activity"} == APPROVED

    # The progress API.
    progress = api_client(manager).get(f"/api/v1/projects/{project.pk}/progress/").json()
    targets = activity_targets(progress["targets"])
    assert {code: t["achieved"] for code, t in targets.items()} == APPROVED
    assert targets["hygiene-awareness"]["sadd"] == HYGIENE_GROUPS
    assert targets["tents-civil-protection"]["unit"] == "tents"

    # The project list's headline (API).
    headline = api_client(manager).get(f"/api/v1/projects/{project.pk}/").json()["progress"]["activities"]
    assert {NAME_CODES[a["label"]]: a["achieved"] for a in headline} == APPROVED

    # The donor report: XLSX, PDF and IATI XML.
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            project=project,
            requested_by=manager,
            period_start=datetime.date(2024, 7, 1),
            period_end=datetime.date(2024, 12, 31),
        )
    report.refresh_from_db()
    assert report.status == "done", report.error

    def read(fmt: str) -> bytes:
        with default_storage.open(report.outputs[fmt], "rb") as handle:
            return handle.read()

    workbook = load_workbook(io.BytesIO(read("xlsx")))
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    for code, achieved in APPROVED.items():
        row = next(row for row in summary if row[1] and str(row[1]).startswith(NAMES[code]))
        assert (row[0], row[3], row[4]) == ("Activity indicator", achieved, achieved)
    by_indicator: dict[str, int] = {}
    for row in workbook["Activity results"].iter_rows(min_row=2, values_only=True):
        by_indicator[NAME_CODES[row[0]]] = by_indicator.get(NAME_CODES[row[0]], 0) + row[6]
    assert by_indicator == APPROVED
    hygiene = next(r for r in workbook["Activity results"].iter_rows(min_row=2, values_only=True) if r[6] == 40)
    assert hygiene[7:11] == (12, 10, 11, 7)
    handovers = list(workbook["Handovers"].iter_rows(min_row=2, values_only=True))
    assert handovers == [(world["civil_protection"].name, NAMES["tents-civil-protection"], "tents", 20)]

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(read("pdf"))).pages)
    text = " ".join(text.split())
    assert "Activity results approved in the period" in text
    targets = {"latrines": 60, "water-points": 10, "hygiene-awareness": 3000, "tents-civil-protection": 50}
    for code, achieved in APPROVED.items():  # the targets table: target, to date, in period
        unit = world["indicators"][code].get_unit_display()
        assert f"{NAMES[code]} ({unit}) {targets[code]:,} {achieved} {achieved} " in text
    assert "Direction Régionale de la Protection Civile de Mopti" in text

    xml = read("xml")
    iati.validate(xml)  # raises on the first schema error
    root = etree.fromstring(xml)
    results = {}
    for result in root.iter("result"):
        title = result.findtext("title/narrative")
        if title in NAME_CODES:
            period = result.find("indicator/period")
            actuals = period.findall("actual")
            results[NAME_CODES[title]] = actuals
    assert {code: int(actuals[0].get("value")) for code, actuals in results.items()} == APPROVED
    groups = {
        (a.find("dimension[@name='sex']").get("value"), a.find("dimension[@name='age']").get("value")): a.get("value")
        for a in results["hygiene-awareness"][1:]
    }
    assert groups == {("female", "0-17"): "12", ("male", "0-17"): "10", ("female", "18+"): "11", ("male", "18+"): "7"}
