"""The XLSX workbook: summary against targets, by region, site, kit type, sex and age, vulnerability, distributions.

Headings in the active language: the report's (projects/reports/__init__.py).
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from beneficiaries.models import SADD_BANDS, VULNERABILITY_FIELDS
from beneficiaries.pseudonyms import suppressed_marker
from config.names import row_in_language
from config.spreadsheets import xlsx_row
from projects.disclosure import reach_figure, regions_withheld, sites_withheld
from projects.reports import labels

BOLD = Font(bold=True)


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(xlsx_row(sheet, header))
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append(xlsx_row(sheet, row))  # names typed by users: text, never a formula
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)


def build(figures: dict) -> bytes:
    """The workbook, headings in the active language (the report's); figures and names as frozen."""
    period, cumulative, project = figures["period"], figures["cumulative"], figures["project"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    summary = _("Summary")
    _sheet(
        workbook,
        summary,
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
                target["achieved"],
                in_period["achieved"],
                target["expected"],
                target["percent"],
                labels.status(target),
            ]
            for target, in_period in zip(cumulative["targets"], period["targets"], strict=True)
        ],
    )
    info = workbook[summary]
    info.insert_rows(1, 4)
    info["A1"], info["B1"] = _("Project"), f"{project['code']}: {row_in_language(project, 'title')}"
    info["A2"], info["B2"] = _("Donor"), project["donor"]
    report = figures["report"]
    info["A3"], info["B3"] = _("Period"), labels.period(report["period_start"], report["period_end"])
    place_header = [_("Kits"), _("Households reached"), _("Individuals reached")]
    _sheet(
        workbook,
        _("By region"),
        [_("Region"), _("P-code"), *place_header],
        [
            [r["admin1__name"], r["admin1__pcode"], *_counts(r, withheld)]
            for r, withheld in zip(period["by_region"], regions_withheld(period), strict=True)
        ],
    )
    _sheet(
        workbook,
        _("By site"),
        [_("Region"), _("Area"), _("Site"), _("Site code"), *place_header],
        [
            [
                r["admin1__name"],
                r["admin2__name"],
                r["site__name"],
                r["site__code"],
                *_counts(r, withheld),
            ]
            for r, withheld in zip(period["by_site"], sites_withheld(period), strict=True)
        ],
    )
    _sheet(
        workbook,
        _("By kit type"),
        [_("Kit type"), _("Code"), _("Category"), _("Kits in period"), _("Kits to date")],
        [
            [
                row_in_language(r, "kit_type__name"),
                r["kit_type__code"],
                labels.category(r["kit_category"]),
                r["kits"],
                _kits_to_date(cumulative, r["kit_type_id"]),
            ]
            for r in period["kits_by_type"]
        ],
    )
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
        _sex_and_age_rows(period["reach"], cumulative["reach"]),
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
                r["distribution__planned_start"],
                r["distribution__planned_end"],
                labels.distribution_status(r["distribution__status"]),
                r["kit_type__code"],
                r["kits"],
                r["receipts"],
            ]
            for r in figures["distributions"]
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sex_and_age_rows(period: dict, cumulative: dict) -> list[list]:
    """The eight SADD bands (female, male, total per age band, in period and to date) and a totals row;
    all withheld (the marker) where the reach counts fewer than SMALL_COUNT_THRESHOLD households."""
    rows = []
    for band, female, male in SADD_BANDS:
        row = [band]
        for reach in (period, cumulative):
            counts = [reach_figure(reach, female), reach_figure(reach, male)]
            row += [*counts, _total(counts)]
        rows.append(row)
    return [*rows, [_("Total"), *(_total([row[column] for row in rows]) for column in range(1, 7))]]


def _total(values: list):
    return suppressed_marker() if suppressed_marker() in values else sum(values)


def _kits_to_date(cumulative: dict, kit_type_id: int) -> int:
    return next((r["kits"] for r in cumulative["kits_by_type"] if r["kit_type_id"] == kit_type_id), 0)


def _counts(row: dict, withheld: bool) -> list:
    """A place reaching fewer than SMALL_COUNT_THRESHOLD households (or its complement) shows the marker."""
    if withheld:
        return [suppressed_marker()] * 3
    return [row["kits"], row["households"], row["individuals"]]
