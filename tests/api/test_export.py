"""The 3W/5W export: reach per project, area, site, kit type and month; CSV with HXL, and JSON."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from distributions.services import record_receipt, void_receipt
from tests import factories
from tests.api.test_reads import distinct_household

pytestmark = pytest.mark.django_db


def _record(mopti, household, kit, distribution=None, when=None):
    return record_receipt(
        recorded_by=mopti["officer"],
        distribution=distribution or mopti["distribution"],
        household=household,
        kit_type=kit,
        verification_method="registration_code",
        received_at=when,
    ).receipt


@pytest.fixture
def reach(mopti):
    july = timezone.make_aware(datetime.datetime(2024, 7, 5, 10))
    first = distinct_household(mopti["site"], females_6_17=2, males_18_59=1)  # 5 people: 2 girls, 1 man
    second = distinct_household(mopti["site"], females_18_59=1, females_6_17=0, males_0_5=0)  # 1 person
    third = distinct_household(mopti["site"])
    _record(mopti, first, mopti["shelter"], when=july)
    _record(mopti, second, mopti["shelter"], when=july)
    _record(mopti, first, mopti["nfi"], when=july)
    # The same household again in a second distribution that month: counted once in the row.
    again = factories.distribution(mopti["project"], mopti["site"], kits=[mopti["shelter"]], name="Top-up")
    _record(mopti, first, mopti["shelter"], distribution=again, when=july + datetime.timedelta(days=3))
    voided = _record(mopti, third, mopti["shelter"], when=july)
    void_receipt(voided, voided_by=mopti["officer"], reason="Wrong card")
    return {"first": first, "second": second}


def test_csv_has_hxl_row_and_counts_each_household_once(officer_api, mopti, reach):
    import hxl

    answer = officer_api.get("/api/v1/exports/3w.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:3] == ["#org+impl", "#org+funding", "#sector"]
    dataset = hxl.data(rows)  # libhxl reads it as HXL
    assert "#reached+hh" in [column.display_tag for column in dataset.columns]
    assert sorted(int(row.get("#reached+hh")) for row in dataset) == [1, 2]
    by_item = {row[11]: row for row in rows[2:]}
    shelter, nfi = by_item["Esk"], by_item["Nfi"]
    header = rows[0]
    shelter = dict(zip(header, shelter, strict=True))
    assert shelter["Households reached"] == "2"  # first (twice) and second; the voided one not
    assert shelter["Individuals reached"] == "6"  # 5 + 1: the first household not counted twice
    assert shelter["Girls reached (0-17)"] == "2" and shelter["Men reached (18+)"] == "1"
    assert shelter["Kits distributed"] == "3"
    assert shelter["Admin 2 P-code"] == "ML0506" and shelter["Site code"] == "WAL"
    assert (shelter["Period start"], shelter["Period end"]) == ("2024-07-01", "2024-07-31")
    assert dict(zip(header, nfi, strict=True))["Households reached"] == "1"
    for personal in ("Person", "+223", reach["first"].registration_code):
        assert personal not in text


def test_json_matches_csv_and_filters(officer_api, mopti, reach):
    answer = officer_api.get("/api/v1/exports/3w.json?project=MLI-TEST&received_after=2024-07-01")
    rows = __import__("json").loads(b"".join(answer.streaming_content))["rows"]
    assert {(row["item"], row["reached_hh"], row["reached_ind"]) for row in rows} == {("Esk", 2, 6), ("Nfi", 1, 5)}
    empty = officer_api.get("/api/v1/exports/3w.json?received_before=2024-06-30")
    assert __import__("json").loads(b"".join(empty.streaming_content)) == {"rows": []}
    assert officer_api.get("/api/v1/exports/3w.json?project=NOPE").status_code == 400


def test_export_is_scoped(donor_api, mopti, reach, elsewhere):
    other = factories.user("field_officer", sites=[elsewhere["site"]], username="gao-officer")
    from tests.api.conftest import client_for

    rows = __import__("json").loads(b"".join(client_for(other).get("/api/v1/exports/3w.json").streaming_content))
    assert rows == {"rows": []}
    donor_rows = __import__("json").loads(b"".join(donor_api.get("/api/v1/exports/3w.json").streaming_content))
    assert len(donor_rows["rows"]) == 2
