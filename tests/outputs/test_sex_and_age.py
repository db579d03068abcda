"""Sex and age in full (issue 15): girls, boys, women and men adding up to individuals reached in the 3W
export and the donor report's HXL CSV, read with libhxl; the eight bands with totals in the XLSX."""

import csv
import io

import hxl
import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from accounts.models import Role, User
from tests import factories
from tests.api.conftest import client_for

GROUPS = ("#reached+f+children", "#reached+m+children", "#reached+f+adults", "#reached+m+adults")


def read(report, fmt: str) -> bytes:
    with default_storage.open(report.outputs[fmt], "rb") as handle:
        return handle.read()


def _hxl(content: bytes):
    """The file as libhxl reads it (a dataset; it refuses a file without a valid hashtag row)."""
    return hxl.data(list(csv.reader(io.StringIO(content.decode("utf-8-sig")))))


def _hxl_rows(content: bytes) -> list:
    dataset = _hxl(content)
    assert all(tag in [column.display_tag for column in dataset.columns] for tag in GROUPS)
    return list(dataset)


def _assert_groups_add_up(rows) -> None:
    for row in rows:
        individuals = row.get("#reached+ind")
        if individuals == "<5":
            assert all(row.get(tag) == "<5" for tag in GROUPS)
            continue
        assert sum(int(row.get(tag)) for tag in GROUPS) == int(individuals), row.values


def test_3w_walirde_shelter_kits_have_girls_boys_women_and_men_adding_up(demo):
    manager = User.objects.get(username="manager")
    answer = client_for(manager).get("/api/v1/exports/3w.csv?bom=0")
    dataset = _hxl_rows(b"".join(answer.streaming_content))
    walirde = [
        row
        for row in dataset
        if row.get("#loc+name").startswith("Walirdé") and "shelter" in row.get("#item+name").lower()
    ]
    assert walirde
    case = next(row for row in walirde if row.get("#reached+ind") == "277")  # ../shared/cases/outputs/README.md
    girls, boys, women, men = (int(case.get(tag)) for tag in GROUPS)
    assert (girls, men) == (75, 68)
    assert boys + women == 134
    _assert_groups_add_up(dataset)


def test_3w_json_carries_the_four_groups(demo):
    answer = client_for(User.objects.get(username="manager")).get("/api/v1/exports/3w.json")
    rows = __import__("json").loads(b"".join(answer.streaming_content))["rows"]
    assert rows
    for row in rows:
        groups = (
            row["reached_f_children"],
            row["reached_m_children"],
            row["reached_f_adults"],
            row["reached_m_adults"],
        )
        assert sum(groups) == row["reached_ind"]


def test_3w_small_rows_withhold_every_group_for_a_donor(demo):
    donor = factories.user(Role.DONOR_VIEWER, projects=[demo], username="donor-15")
    text = b"".join(
        client_for(donor)
        .get("/api/v1/exports/3w.csv?bom=0&received_after=2024-07-17&received_before=2024-07-18")
        .streaming_content
    )
    rows = _hxl_rows(text)
    assert any(row.get("#reached+ind") == "<5" for row in rows)  # Takouti's one household on 17 July
    _assert_groups_add_up(rows)


def test_donor_report_csv_is_hxl_with_the_four_groups(request_demo_report):
    report = request_demo_report()
    rows = _hxl_rows(read(report, "csv"))
    assert rows
    _assert_groups_add_up(rows)
    for site, reach in (((row["site__name"], row["kit_type__name"]), row) for row in report.figures["by_site_and_kit"]):
        assert (
            reach["females_0_17"] + reach["males_0_17"] + reach["females_18_plus"] + reach["males_18_plus"]
            == (reach["individuals"])
        ), site


@pytest.mark.parametrize("language", ["en"])
def test_xlsx_has_the_eight_bands_with_totals_that_add_up(request_demo_report, language):
    report = request_demo_report(language=language)
    sheet = load_workbook(io.BytesIO(read(report, "xlsx")))["By sex and age"]
    rows = list(sheet.iter_rows(values_only=True))
    header, bands, total = rows[0], rows[1:5], rows[5]
    assert [row[0] for row in bands] == ["0-5", "6-17", "18-59", "60+"]
    assert total[0] == "Total"
    assert header[1:4] == ("Female, in period", "Male, in period", "Total, in period")
    for row in (*bands, total):
        assert row[1] + row[2] == row[3] and row[4] + row[5] == row[6]
    for column in range(1, 7):
        assert sum(row[column] for row in bands) == total[column]
    assert total[3] == report.figures["period"]["reach"]["individuals"]
    assert total[6] == report.figures["cumulative"]["reach"]["individuals"]
