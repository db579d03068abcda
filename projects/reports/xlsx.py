"""The XLSX workbook: summary against targets, by region, site, kit type, sex and age, vulnerability, distributions."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS
from beneficiaries.pseudonyms import is_small_count, suppressed_marker

BOLD = Font(bold=True)


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)


def _label(name: str) -> str:
    return (
        name.replace("_plus", "+")
        .replace("_", " ")
        .replace(" 0 5", " 0-5")
        .replace(" 6 17", " 6-17")
        .replace(" 18 59", " 18-59")
    )


def build(figures: dict) -> bytes:
    period, cumulative, project = figures["period"], figures["cumulative"], figures["project"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        "Summary",
        [
            "Indicator",
            "What",
            "Target",
            "Achieved to date",
            "Achieved in period",
            "Expected by period end",
            "Percent",
            "Status",
        ],
        [
            [
                target["indicator"].replace("_", " "),
                target["label"],
                target["target"],
                target["achieved"],
                in_period["achieved"],
                target["expected"],
                target["percent"],
                "on track" if target["on_track"] else "behind",
            ]
            for target, in_period in zip(cumulative["targets"], period["targets"], strict=True)
        ],
    )
    info = workbook["Summary"]
    info.insert_rows(1, 4)
    info["A1"], info["B1"] = "Project", f"{project['code']}: {project['title']}"
    info["A2"], info["B2"] = "Donor", project["donor"]
    info["A3"], info["B3"] = "Period", f"{figures['report']['period_start']} to {figures['report']['period_end']}"
    place_header = ["Kits", "Households reached", "Individuals reached"]
    _sheet(
        workbook,
        "By region",
        ["Region", "P-code", *place_header],
        [
            [r["admin1__name"], r["admin1__pcode"], r["kits"], r["households"], r["individuals"]]
            for r in period["by_region"]
        ],
    )
    _sheet(
        workbook,
        "By site",
        ["Region", "Area", "Site", "Site code", *place_header],
        [
            [
                r["admin1__name"],
                r["admin2__name"],
                r["site__name"],
                r["site__code"],
                *_site_counts(r),
            ]
            for r in period["by_site"]
        ],
    )
    _sheet(
        workbook,
        "By kit type",
        ["Kit type", "Code", "Category", "Kits in period", "Kits to date"],
        [
            [
                r["kit_type__name"],
                r["kit_type__code"],
                r["kit_category"],
                r["kits"],
                _kits_to_date(cumulative, r["kit_type_id"]),
            ]
            for r in period["kits_by_type"]
        ],
    )
    _sheet(
        workbook,
        "By sex and age",
        ["Sex and age", "Individuals reached in period", "Individuals reached to date"],
        [[_label(name), period["reach"][name], cumulative["reach"][name]] for name in SADD_FIELDS],
    )
    _sheet(
        workbook,
        "By vulnerability",
        ["Households with", "In period", "To date"],
        [[_label(name), period["reach"][name], cumulative["reach"][name]] for name in VULNERABILITY_FIELDS],
    )
    _sheet(
        workbook,
        "Distributions",
        ["Distribution", "Site", "Area", "Planned start", "Planned end", "Status", "Kit type", "Kits", "Receipts"],
        [
            [
                r["distribution__name"],
                r["site__name"],
                r["admin2__name"],
                r["distribution__planned_start"],
                r["distribution__planned_end"],
                r["distribution__status"],
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


def _kits_to_date(cumulative: dict, kit_type_id: int) -> int:
    return next((r["kits"] for r in cumulative["kits_by_type"] if r["kit_type_id"] == kit_type_id), 0)


def _site_counts(row: dict) -> list:
    """A site reaching fewer than SMALL_COUNT_THRESHOLD households shows the marker, not counts."""
    if is_small_count(row["households"]):
        return [suppressed_marker()] * 3
    return [row["kits"], row["households"], row["individuals"]]
