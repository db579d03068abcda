"""The XLSX workbook: summary against targets, by region, site, kit type, sex and age, vulnerability, distributions.

Headings in the active language: the report's (projects/reports/__init__.py). As an analyst expects
(issue 15): dates are date cells, percentages percent cells (the fraction, shown "22.2%"), each
table ends with a bold totals row where its figures add up, the header row is frozen on every sheet,
and the sheets run right to left in a right-to-left language (Arabic). Every value goes through
config.spreadsheets.xlsx_row: text typed by anyone is never a formula.
"""

import datetime
import io
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from beneficiaries.models import SADD_BANDS, VULNERABILITY_FIELDS
from beneficiaries.pseudonyms import suppressed_marker
from config.names import row_in_language
from config.spreadsheets import xlsx_row
from projects.disclosure import reach_figure, regions_withheld, sites_withheld
from projects.reports import indicators, labels, pipeline

BOLD = Font(bold=True)
DATE_FORMAT = "yyyy-mm-dd"  # ISO: unambiguous in every language; Excel still sorts and filters it as a date
PERCENT_FORMAT = "0.0%"


def _date(value: str | None) -> datetime.date | None:
    """A frozen ISO date (the figures are JSON) back to a date, for a date cell."""
    return datetime.date.fromisoformat(value[:10]) if value else None


def _percent(value) -> "_Percent | None":
    """A frozen percent ("22.2", of projects.targets.percent) as the fraction a percent cell holds."""
    return None if value is None else _Percent(Decimal(str(value)) / 100)


def _styled(sheet, row: list) -> list:
    """The cells of a row: formula-like text as text (xlsx_row), dates and percent fractions formatted."""
    cells = []
    for value in xlsx_row(sheet, row):
        if isinstance(value, datetime.date | _Percent):
            cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, _Percent) else value)
            cell.number_format = PERCENT_FORMAT if isinstance(value, _Percent) else DATE_FORMAT
            value = cell
        cells.append(value)
    return cells


class _Percent(float):
    """A fraction to show as a percentage."""


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list], *, total=None, above=()) -> None:
    """A sheet: `above` (label, value) lines, then the bold header row (frozen), the rows and a bold `total` row."""
    sheet = workbook.create_sheet(title)
    for line in above:
        sheet.append(_styled(sheet, list(line)))
    if above:
        sheet.append([])
    sheet.append(xlsx_row(sheet, header))
    header_row = sheet.max_row
    for row in rows:
        sheet.append(_styled(sheet, row))  # names typed by users: text, never a formula
    if total is not None:
        sheet.append(_styled(sheet, total))
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD
    for cell in sheet[header_row]:
        cell.font = BOLD
    for number in range(1, len(above) + 1):
        sheet.cell(number, 1).font = BOLD
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.sheet_view.rightToLeft = translation.get_language_bidi()
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 12), 60)


def _sum(values) -> int | str:
    """A total of counts; the marker where one of them is withheld (what a reader could not add either)."""
    values = list(values)
    return suppressed_marker() if suppressed_marker() in values else sum(value or 0 for value in values)


def build(figures: dict) -> bytes:
    """The workbook, headings in the active language (the report's); figures and names as frozen."""
    period, cumulative, project, report = (
        figures["period"],
        figures["cumulative"],
        figures["project"],
        figures["report"],
    )
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        _("Summary"),
        [
            _("Indicator"),
            _("What"),
            _("Target"),
            _("Achieved to date"),
            _("Achieved in period"),
            _("Expected by period end"),
            _("Percent"),
            _("Status"),
        ],
        [
            [
                labels.indicator(target),
                labels.target_what(target),
                target["target"],
                indicators.achieved_shown(target),
                indicators.achieved_shown(in_period),
                target["expected"],
                _percent(target["percent"]),
                labels.status(target),
            ]
            for target, in_period in zip(cumulative["targets"], period["targets"], strict=True)
        ],
        above=[
            (_("Project"), f"{project['code']}: {row_in_language(project, 'title')}"),
            (_("Donor"), project["donor"]),
            (_("Period start"), _date(report["period_start"])),
            (_("Period end"), _date(report["period_end"])),
        ],
    )
    place_header = [_("Kits"), _("Households reached"), _("Individuals reached")]
    # Households and individuals: the project's reach, each household once (a household served in two
    # places is in both rows); kits add up.
    reach_total = [
        _sum(row["kits"] for row in period["kits_by_type"]),
        reach_figure(period["reach"], "households"),
        reach_figure(period["reach"], "individuals"),
    ]
    _sheet(
        workbook,
        _("By region"),
        [_("Region"), _("P-code"), *place_header],
        [
            [r["admin1__name"], r["admin1__pcode"], *_counts(r, withheld)]
            for r, withheld in zip(period["by_region"], regions_withheld(period), strict=True)
        ],
        total=[_("Total"), None, *reach_total],
    )
    _sheet(
        workbook,
        _("By site"),
        [_("Region"), _("Area"), _("Site"), _("Site code"), *place_header],
        [
            [r["admin1__name"], r["admin2__name"], r["site__name"], r["site__code"], *_counts(r, withheld)]
            for r, withheld in zip(period["by_site"], sites_withheld(period), strict=True)
        ],
        total=[_("Total"), None, None, None, *reach_total],
    )
    kit_rows = [
        [
            row_in_language(r, "kit_type__name"),
            r["kit_type__code"],
            labels.category(r["kit_category"]),
            r["kits"],
            _kits_to_date(cumulative, r["kit_type_id"]),
        ]
        for r in period["kits_by_type"]
    ]
    _sheet(
        workbook,
        _("By kit type"),
        [_("Kit type"), _("Code"), _("Category"), _("Kits in period"), _("Kits to date")],
        kit_rows,
        total=[
            _("Total"),
            None,
            None,
            _sum(r[3] for r in kit_rows),
            _sum(r["kits"] for r in cumulative["kits_by_type"]),
        ],
    )
    sex_and_age = _sex_and_age_rows(period["reach"], cumulative["reach"])
    _sheet(
        workbook,
        _("By sex and age"),
        [
            _("Age"),
            _("Female, in period"),
            _("Male, in period"),
            _("Total, in period"),
            _("Female, to date"),
            _("Male, to date"),
            _("Total, to date"),
        ],
        sex_and_age,
        total=[_("Total"), *(_sum(row[column] for row in sex_and_age) for column in range(1, 7))],
    )
    _sheet(
        workbook,
        _("By vulnerability"),
        [_("Households with"), _("In period"), _("To date")],
        [
            [
                labels.household_figure(name),
                reach_figure(period["reach"], name),
                reach_figure(cumulative["reach"], name),
            ]
            for name in VULNERABILITY_FIELDS
        ],
    )
    distributions = figures["distributions"]
    _sheet(
        workbook,
        _("Distributions"),
        [
            _("Distribution"),
            _("Site"),
            _("Area"),
            _("Planned start"),
            _("Planned end"),
            _("Status"),
            _("Kit type"),
            _("Kits"),
            _("Receipts"),
        ],
        [
            [
                row_in_language(r, "distribution__name"),
                r["site__name"],
                r["admin2__name"],
                _date(r["distribution__planned_start"]),
                _date(r["distribution__planned_end"]),
                labels.distribution_status(r["distribution__status"]),
                r["kit_type__code"],
                r["kits"],
                r["receipts"],
            ]
            for r in distributions
        ],
        total=[
            _("Total"),
            *[None] * 6,
            _sum(r["kits"] for r in distributions),
            _sum(r["receipts"] for r in distributions),
        ],
    )
    if figures.get("pipeline"):  # issue 20 (projects/reports/pipeline.py)
        header, rows, totals = pipeline.table(figures)
        _sheet(workbook, pipeline.heading(), header, rows, total=totals, above=[(pipeline.note(figures),)])
    indicators.xlsx_sheets(workbook, figures, _sheet)
    if figures.get("lists"):  # issue 19: served and absent on each approved list
        _sheet(
            workbook,
            _("Distribution lists"),
            [_("Distribution lists")],
            [[labels.attendance(r)] for r in figures["lists"]],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sex_and_age_rows(period: dict, cumulative: dict) -> list[list]:
    """The eight SADD bands: per age band, female, male and their total, in period and to date; withheld (the
    marker) where the reach counts fewer than SMALL_COUNT_THRESHOLD households. The caller adds the totals row."""
    rows = []
    for band, female, male in SADD_BANDS:
        row = [band]
        for reach in (period, cumulative):
            counts = [reach_figure(reach, female), reach_figure(reach, male)]
            row += [*counts, _sum(counts)]
        rows.append(row)
    return rows


def _kits_to_date(cumulative: dict, kit_type_id: int) -> int:
    return next((r["kits"] for r in cumulative["kits_by_type"] if r["kit_type_id"] == kit_type_id), 0)


def _counts(row: dict, withheld: bool) -> list:
    """A place reaching fewer than SMALL_COUNT_THRESHOLD households (or its complement) shows the marker."""
    if withheld:
        return [suppressed_marker()] * 3
    return [row["kits"], row["households"], row["individuals"]]
