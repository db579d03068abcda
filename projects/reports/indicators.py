"""The donor report's activity indicators (issue 21): frozen with the other figures (projects/reports/figures.py),
drawn in the XLSX (a sheet of results by place, one of handovers), the PDF (two tables) and the IATI results
(projects/reports/iati.py), with the disclosure rule of projects/disclosure.py (`counts_few_people`).

Figures: approved results only (projects/indicators/figures.py). A frozen report from before issue 21 has no
"activities" key: every function here then draws nothing.
"""

from django.utils.translation import gettext as _

from beneficiaries.pseudonyms import is_small_count, suppressed_marker
from config.names import row_in_language
from distributions.progress.filters import ProgressFilter
from projects.disclosure import counts_few_people
from projects.indicators.figures import activity_rows, handover_rows
from projects.indicators.models import RESULT_SADD_FIELDS, ActivityIndicator, unit_label
from projects.models import Project

# IATI dimension values of the four groups (beneficiaries.models.SADD_GROUPS).
IATI_GROUPS = {
    "females_0_17": ("female", "0-17"),
    "males_0_17": ("male", "0-17"),
    "females_18_plus": ("female", "18+"),
    "males_18_plus": ("male", "18+"),
}


def frozen_activities(project: Project, filters: ProgressFilter) -> dict:
    """{"indicators": {id: {code, name, name_fr, name_ar, unit, disaggregated}}, "by_place": rows of
    activity_rows, "handovers": rows of handover_rows}, in the report's period and filter (3 queries)."""
    indicators = ActivityIndicator.objects.filter(project=project).values(
        "id", "code", "name", "name_fr", "name_ar", "unit", "disaggregated"
    )
    return {
        "indicators": {str(row["id"]): row for row in indicators},
        "by_place": activity_rows(project.pk, filters),
        "handovers": handover_rows(project.pk, filters),
    }


def with_indicator_names(progress: dict, activities: dict) -> dict:
    """Each activity target also carries its indicator's French and Arabic names (`label_fr`, `label_ar`), as
    kit targets carry their kit's (figures._with_kit_names)."""
    for target in progress["targets"]:
        indicator = activities["indicators"].get(str(target.get("activity_indicator_id")))
        if indicator:
            target["label_fr"], target["label_ar"] = indicator["name_fr"], indicator["name_ar"]
    return progress


def shown(unit: str, count):
    """A count of `unit` as a donor format shows it: the marker where it counts few people."""
    return suppressed_marker() if counts_few_people(unit, count) else count


def achieved_shown(target: dict):
    """A frozen target's achieved figure as a donor format shows it (`shown`)."""
    return shown(target.get("unit", ""), target["achieved"])


def _groups_shown(row: dict, unit: str) -> list:
    """The four groups of a row, each a count, the marker (all four, where one counts few people or the row's
    total does), or None where no result carried a breakdown."""
    counts = [row.get(name) for name in RESULT_SADD_FIELDS]
    if all(count is None for count in counts):
        return [None] * 4
    if counts_few_people(unit, row["quantity"]) or any(is_small_count(count) for count in counts):
        return [suppressed_marker()] * 4
    return counts


def _indicator(figures: dict, row: dict) -> dict:
    return figures["activities"]["indicators"].get(str(row["indicator_id"]), {})


def xlsx_sheets(workbook, figures: dict, sheet) -> None:
    """The "Activity results" and "Handovers" sheets (period), through xlsx's `sheet` (headings, totals)."""
    activities = figures.get("activities")
    if not activities or not activities["indicators"]:
        return
    rows = []
    for row in activities["by_place"]:
        indicator = _indicator(figures, row)
        rows.append(
            [
                row_in_language(indicator, "name"),
                unit_label(indicator.get("unit", "")),
                row["admin1__name"],
                row["admin2__name"],
                row["site__name"],
                row["site__code"],
                shown(indicator.get("unit", ""), row["quantity"]),
                *_groups_shown(row, indicator.get("unit", "")),
            ]
        )
    sheet(
        workbook,
        _("Activity results"),
        [
            _("Indicator"),
            _("Unit"),
            _("Region"),
            _("Area"),
            _("Site"),
            _("Site code"),
            _("Approved in period"),
            _("Girls (0-17)"),
            _("Boys (0-17)"),
            _("Women (18+)"),
            _("Men (18+)"),
        ],
        rows,
    )
    sheet(
        workbook,
        _("Handovers"),
        [_("Handed to"), _("Indicator"), _("Unit"), _("Quantity")],
        [
            [
                row["handover__organisation__name"],
                row_in_language(_indicator(figures, row), "name"),
                unit_label(_indicator(figures, row).get("unit", "")),
                row["quantity"],
            ]
            for row in activities["handovers"]
        ],
    )


def pdf_story(figures: dict, text, table, number) -> list:
    """The PDF's activity results by indicator and place, and the handovers (period): headings and tables
    through pdf's `text`, `table` and `number`."""
    activities = figures.get("activities")
    if not activities or not activities["by_place"]:
        return []
    rows = []
    for row in activities["by_place"]:
        indicator, unit = _indicator(figures, row), _indicator(figures, row).get("unit", "")
        place = row["site__name"] or row["admin2__name"] or row["admin1__name"] or ""
        rows.append([row_in_language(indicator, "name"), place, unit_label(unit), number(shown(unit, row["quantity"]))])
    story = [
        text(_("Activity results approved in the period"), "Heading3"),
        table([[_("Indicator"), _("Place"), _("Unit"), _("Approved")], *rows]),
    ]
    if activities["handovers"]:
        handovers = [
            [
                row["handover__organisation__name"],
                row_in_language(_indicator(figures, row), "name"),
                number(row["quantity"]),
            ]
            for row in activities["handovers"]
        ]
        story += [
            text(_("Handovers in the period"), "Heading3"),
            table([[_("Handed to"), _("Indicator"), _("Quantity")], *handovers]),
        ]
    return story


def iati_actuals(target: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """An activity target's IATI actuals: [(value, [(dimension name, value)])]: the total (none where it
    counts few people) and, for a disaggregated indicator, one per sex-and-age group (none where a group
    counts few)."""
    if counts_few_people(target.get("unit", ""), target["achieved"]):
        return []
    actuals = [(str(target["achieved"]), [])]
    sadd = target.get("sadd") or {}
    if sadd and not any(count is None or is_small_count(count) for count in sadd.values()):
        for name, (sex, age) in IATI_GROUPS.items():
            actuals.append((str(sadd[name]), [("sex", sex), ("age", age)]))
    return actuals
