"""The donor report's XLSX as an analyst expects it (issue 15): dates and percentages typed, totals rows that add
up, the header row frozen on every sheet, right to left in Arabic, Region and Area two different words."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook


def workbook_of(report):
    with default_storage.open(report.outputs["xlsx"], "rb") as handle:
        return load_workbook(io.BytesIO(handle.read()))


def header_row(sheet) -> int:
    """The frozen pane starts under the header: the row whose cells are all bold headings."""
    return int(sheet.freeze_panes[1:]) - 1


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_every_sheet_freezes_its_header_and_runs_in_the_language_direction(request_demo_report, language):
    workbook = workbook_of(request_demo_report(language=language))
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes, sheet.title
        header = [cell for cell in sheet[header_row(sheet)] if cell.value is not None]
        assert header and all(cell.font.b for cell in header), sheet.title
        assert bool(sheet.sheet_view.rightToLeft) == (language == "ar"), sheet.title
    by_site = workbook.worksheets[2]
    region, area = (cell.value for cell in by_site[header_row(by_site)][:2])
    assert region != area, (language, region, area)


def test_dates_are_dates_and_percentages_percentages(request_demo_report):
    report = request_demo_report()
    workbook = workbook_of(report)
    summary = workbook["Summary"]
    start, end = summary["B3"], summary["B4"]
    assert (start.value, end.value) == (datetime.datetime(2024, 7, 1), datetime.datetime(2024, 7, 31))
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    header = header_row(summary)
    assert summary.cell(header, 7).value == "Percent"
    shelter = next(
        row for row in summary.iter_rows(min_row=header + 1) if row[1].value == "Emergency shelter kit (green)"
    )
    frozen = next(t for t in report.figures["cumulative"]["targets"] if t["label"] == "Emergency shelter kit (green)")
    assert shelter[6].number_format == "0.0%"
    assert shelter[6].value == pytest.approx(float(frozen["percent"]) / 100)  # 100 of 450: 22.2 %
    distributions = workbook["Distributions"]
    planned = [row[3] for row in distributions.iter_rows(min_row=2, max_row=distributions.max_row - 1)]
    assert planned and all(cell.is_date and isinstance(cell.value, datetime.datetime) for cell in planned)


def test_totals_rows_add_up(request_demo_report):
    report = request_demo_report()
    workbook = workbook_of(report)
    reach = report.figures["period"]["reach"]
    for title, columns in (("By kit type", (3, 4)), ("Distributions", (7, 8)), ("By sex and age", range(1, 7))):
        *rows, total = workbook[title].iter_rows(min_row=2, values_only=True)
        assert total[0] == "Total", title
        for column in columns:
            assert total[column] == sum(row[column] for row in rows), (title, column)
    *regions, total = workbook["By region"].iter_rows(min_row=2, values_only=True)
    assert total[2:] == (sum(row[2] for row in regions), reach["households"], reach["individuals"])
    assert total[2] == sum(row["kits"] for row in report.figures["period"]["kits_by_type"])
