"""Labels of the human-readable outputs (XLSX, PDF), in the active language (the report's)."""

from django.utils.translation import gettext as _

from beneficiaries.models import HouseholdFigures
from config.names import row_in_language
from distributions.models import Distribution
from kits.models import KitCategory
from projects.disclosure import attendance_figures
from projects.indicators.models import unit_label
from projects.models import Target


def target_what(target: dict) -> str:
    """What a frozen target counts: its kit type's name in the active language (config.names; the English
    name where none is given), else its category or indicator, translated."""
    if target["kit_type_id"]:
        return row_in_language(target, "label")
    if target.get("activity_indicator_id"):  # its indicator's name, and the unit it counts in
        return f"{row_in_language(target, 'label')} ({unit_label(target['unit'])})"
    if target["kit_category"] in KitCategory.values:
        return str(KitCategory(target["kit_category"]).label)
    return indicator(target)


def indicator(target: dict) -> str:
    return str(Target.Indicator(target["indicator"]).label)


def status(target: dict) -> str:
    return _("On track") if target["on_track"] else _("Behind")


def category(code: str) -> str:
    return str(KitCategory(code).label) if code in KitCategory.values else code


def distribution_status(code: str) -> str:
    return str(Distribution.Status(code).label) if code in Distribution.Status.values else code


def household_figure(name: str) -> str:
    """A sex-and-age count or vulnerability flag, by its field's name (capitalised verbose name)."""
    label = str(HouseholdFigures._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def period(start: str, end: str) -> str:
    return _("%(start)s to %(end)s") % {"start": start, "end": end}


def attendance(row: dict) -> str:
    """One approved list's line in a donor report, e.g. "Round 2: 96 of 100 households on the list served;
    4 absent." (small counts withheld by projects.disclosure.attendance_figures; names in the active language)."""
    shown = attendance_figures(row)
    line = _("%(name)s: %(served)s of %(listed)s households on the list served; %(absent)s absent.") % {
        "name": row_in_language(row, "name"),
        "served": shown["served"],
        "listed": row["listed"],
        "absent": shown["absent"],
    }
    if row.get("overrides"):
        line += " " + _("Served off the list by a supervisor's override: %(count)s.") % {"count": row["overrides"]}
    return line
