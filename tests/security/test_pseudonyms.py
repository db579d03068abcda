"""Partner and donor outputs: households under a keyed pseudonym, and no cell counting too few households."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from beneficiaries.pseudonyms import household_pseudonym
from distributions.services import record_receipt
from projects.reports import hxl, xlsx
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


def test_the_report_csv_and_xlsx_by_site_suppress_small_counts(settings):
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
        "by_site_and_kit": [{**row, "females_0_17": 1, "males_18_plus": 1} for row in (small, large)],
    }
    table = list(csv.reader(io.StringIO(hxl.build(figures).decode())))
    header = table[0]
    small_line, large_line = table[2], table[3]
    for column in ("Kits distributed", "Households reached", "Individuals reached", "Girls reached (0-17)"):
        assert small_line[header.index(column)] == "<5"
    assert large_line[header.index("Households reached")] == "40"
    assert xlsx._site_counts(small) == ["<5", "<5", "<5"]
    assert xlsx._site_counts(large) == [40, 40, 190]
