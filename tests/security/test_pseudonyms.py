"""Partner and donor outputs: households under a keyed pseudonym, and no cell counting too few households."""

import csv
import datetime
import io
import json

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from beneficiaries.pseudonyms import household_pseudonym, withheld_rows
from distributions.models import Receipt
from distributions.services import record_receipt, void_receipt
from projects.reports import hxl
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def served(mopti):
    """Two households at Walirdé; the first received both kits."""
    first = factories.household(mopti["site"], registered_by=mopti["officer"])
    second = factories.household(mopti["site"], registered_by=mopti["officer"], head_name="Mariam Coulibaly")
    for household, kit in ((first, mopti["shelter"]), (first, mopti["nfi"]), (second, mopti["shelter"])):
        record_receipt(
            recorded_by=mopti["officer"],
            distribution=mopti["distribution"],
            household=household,
            kit_type=kit,
            verification_method="registration_code",
        )
    return first, second


def test_a_pseudonym_is_stable_keyed_and_does_not_carry_the_code(settings):
    settings.HOUSEHOLD_PSEUDONYM_KEY = "key-one"
    one = household_pseudonym("K7Q39X2MH")
    assert one == household_pseudonym("K7Q39X2MH") and one.startswith("hh-") and len(one) == 35
    assert "K7Q3" not in one.upper()
    assert household_pseudonym("K7Q39X2MJ") != one
    settings.HOUSEHOLD_PSEUDONYM_KEY = "key-two"
    assert household_pseudonym("K7Q39X2MH") != one  # useless without the key


def test_partner_without_the_grant_sees_pseudonyms_not_codes(mopti, served):
    first, second = served
    partner = factories.user(Role.PARTNER_SYSTEM, projects=[mopti["project"]], username="partner")
    rows = api_client(partner).get("/api/v1/receipts/").json()["results"]
    assert {row["household"] for row in rows} == {None}
    by_pseudonym = {}
    for row in rows:
        by_pseudonym.setdefault(row["household_pseudonym"], []).append(row["kit_type"])
    assert sorted(map(sorted, by_pseudonym.values())) == [["ESK"], ["ESK", "NFI"]]
    assert household_pseudonym(first.registration_code) in by_pseudonym
    assert first.display_code not in json.dumps(rows) and first.registration_code not in json.dumps(rows)
    # A role that sees personal data gets the code, and no pseudonym to link other outputs with.
    officer_rows = api_client(mopti["officer"]).get("/api/v1/receipts/").json()["results"]
    assert {row["household_pseudonym"] for row in officer_rows} == {None}
    assert {row["household"] for row in officer_rows} == {first.display_code, second.display_code}


def export(user, fmt: str) -> bytes:
    return b"".join(api_client(user).get(f"/api/v1/exports/3w.{fmt}").streaming_content)


def test_the_3w_export_suppresses_cells_under_the_threshold_for_partners_and_donors(mopti, served, settings):
    settings.SMALL_COUNT_THRESHOLD = 2
    for role in (Role.PARTNER_SYSTEM, Role.DONOR_VIEWER):
        user = factories.user(role, projects=[mopti["project"]])
        rows = {row["item"]: row for row in json.loads(export(user, "json"))["rows"]}
        shelter, nfi = rows[mopti["shelter"].name], rows[mopti["nfi"].name]
        assert (shelter["suppressed"], shelter["reached_hh"], shelter["kits"]) == (False, 2, 2)
        assert (nfi["suppressed"], nfi["reached_hh"], nfi["reached_ind"], nfi["kits"]) == (True, None, None, None)
        table = list(csv.reader(io.StringIO(export(user, "csv").decode())))
        header, data = table[0], table[2:]
        nfi_line = next(line for line in data if line[header.index("Kit type")] == mopti["nfi"].name)
        assert nfi_line[header.index("Households reached")] == "<2"
        assert nfi_line[header.index("Kits distributed")] == "<2"
    # Staff who may see the households themselves get the exact table.
    rows = json.loads(export(mopti["officer"], "json"))["rows"]
    assert {row["reached_hh"] for row in rows} == {1, 2} and not any(row["suppressed"] for row in rows)


def test_the_report_csv_by_site_suppresses_small_counts(settings):
    settings.SMALL_COUNT_THRESHOLD = 5
    place = {
        "admin1__name": "Mopti",
        "admin1__pcode": "ML05",
        "admin2__name": "Mopti",
        "admin2__pcode": "ML0506",
        "site__name": "Walirdé",
        "site__code": "WAL",
    }
    small = {**place, "kit_type__name": "NFI kit", "kits": 3, "households": 3, "individuals": 14}
    large = {**place, "kit_type__name": "Shelter kit", "kits": 40, "households": 40, "individuals": 190}
    figures = {
        "project": {"lead_organisation": "IOM", "donor": "Japan", "code": "MLI"},
        "report": {"period_start": "2024-07-01", "period_end": "2024-07-31"},
        "by_site_and_kit": [
            {**row, "females_0_17": 1, "males_0_17": 0, "females_18_plus": 0, "males_18_plus": 1}
            for row in (small, large)
        ],
    }
    table = list(csv.reader(io.StringIO(hxl.build(figures).decode())))
    header = table[0]
    small_line, large_line = table[2], table[3]
    withheld_columns = ("Kits distributed", "Households reached", "Individuals reached", "Girls reached (0-17)")
    for column in (*withheld_columns, "Boys reached (0-17)", "Women reached (18+)", "Men reached (18+)"):
        assert small_line[header.index(column)] == "<5"
    assert large_line[header.index("Households reached")] == "40"


def test_one_small_cell_of_a_group_takes_the_next_smallest_with_it(settings):
    """A region's total minus its other sites would give a lone withheld site away."""
    settings.SMALL_COUNT_THRESHOLD = 5
    rows = [
        {"region": "Mopti", "households": 3},  # small
        {"region": "Mopti", "households": 40},
        {"region": "Mopti", "households": 12},  # its complement: the next smallest
        {"region": "Mopti", "households": 0},  # zero reveals no one, and hides nothing
        {"region": "Gao", "households": 2},  # two small cells: neither can be worked out
        {"region": "Gao", "households": 4},
        {"region": "Gao", "households": 30},
        {"region": "Kidal", "households": 1},  # alone in its group: its total is itself small
    ]
    withheld = withheld_rows(rows, group=lambda row: row["region"])
    assert withheld == [True, False, True, False, True, True, False, True]
    assert withheld_rows(rows, group=lambda row: None).count(True) == 4  # one group, three small: none added


@pytest.fixture
def reports_in_process():
    """The report task runs in this process, even with REDIS_URL set (tests/progress has worker tests)."""
    from config.celery import app

    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield
    app.conf.task_always_eager = previous


def test_donor_report_withholds_a_small_site_and_its_complement_in_xlsx_and_pdf(
    db, settings, tmp_path, django_capture_on_commit_callbacks, reports_in_process
):
    from pypdf import PdfReader

    from demo.loader import load_demo
    from distributions.progress.filters import ProgressFilter
    from projects.models import Project
    from projects.progress import project_progress
    from projects.services import request_report

    settings.MEDIA_ROOT = tmp_path
    load_demo()
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    july = ProgressFilter(period_start=datetime.date(2024, 7, 1), period_end=datetime.date(2024, 7, 31))
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[project])
    smallest = min(project_progress(project, july).by_site, key=lambda row: row["households"])
    receipts = Receipt.objects.filter(distribution__project=project, site_id=smallest["site_id"])
    for receipt in receipts.exclude(household_id__in=receipts.values("household_id").distinct()[:2]):
        void_receipt(receipt, voided_by=manager, reason="Test: a site reaching two households")
    settings.SMALL_COUNT_THRESHOLD = 5
    sites = sorted(project_progress(project, july).by_site, key=lambda row: row["households"])
    assert len({row["admin1__name"] for row in sites}) == 1 and len(sites) >= 3  # one region: one group
    assert [row["households"] < 5 for row in sites[:2]] == [True, False]  # one small site, alone
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            project=project,
            requested_by=manager,
            period_start=july.period_start,
            period_end=july.period_end,
        )
    report.refresh_from_db()
    marker = f"<{settings.SMALL_COUNT_THRESHOLD}"
    with default_storage.open(report.outputs["xlsx"], "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()))["By site"]
    by_name = {row[2]: row[4:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_name[sites[0]["site__name"]] == (marker,) * 3
    assert by_name[sites[1]["site__name"]] == (marker,) * 3  # the complement
    assert by_name[sites[-1]["site__name"]][1] == sites[-1]["households"]
    with default_storage.open(report.outputs["pdf"], "rb") as handle:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert text.count(marker) == 6  # two site rows of three counts


def test_the_3w_export_withholds_the_complement_of_a_lone_small_site(mopti, served, settings):
    takouti = factories.site("TAK", name="Takouti")  # the same region as Walirdé
    distribution = factories.distribution(mopti["project"], takouti, kits=[mopti["shelter"]])
    for number in range(3):
        record_receipt(
            recorded_by=mopti["officer"],
            distribution=distribution,
            household=factories.household(takouti, head_name=f"Fanta Diallo {number}"),
            kit_type=mopti["shelter"],
            verification_method="registration_code",
        )
    settings.SMALL_COUNT_THRESHOLD = 3  # Walirdé's 2 shelter households are small; Takouti's 3 are not
    donor = factories.user(Role.DONOR_VIEWER, projects=[mopti["project"]])
    rows = {(row["site_code"], row["item"]): row for row in json.loads(export(donor, "json"))["rows"]}
    shelter = mopti["shelter"].name
    assert rows[("WAL", shelter)]["suppressed"] and rows[("WAL", shelter)]["reached_hh"] is None
    # Takouti alone would be the region's total minus Walirdé: withheld too.
    assert rows[("TAK", shelter)]["suppressed"] and rows[("TAK", shelter)]["reached_hh"] is None
    mopti["officer"].assigned_sites.add(takouti)  # staff who may see households get the exact table
    officer_rows = json.loads(export(mopti["officer"], "json"))["rows"]
    assert sorted(row["reached_hh"] for row in officer_rows if row["item"] == shelter) == [2, 3]
