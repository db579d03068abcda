"""The progress filters: what a dashboard, its API twin and a donor report are narrowed to.

One definition of the filter and of its query-string names, read by the dashboard's form
(`forms.ProgressFilterForm`), the progress API, the report request and `services.report_filter`.
"""

import datetime
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kits.models import KitCategory


@dataclass(frozen=True)
class ProgressFilter:
    """What the figures are narrowed to; every field optional. Dates are inclusive, in TIME_ZONE.

    The one definition of the filters' names: the dashboard's form (`forms.ProgressFilterForm`),
    the progress API's query string, a report's stored `filters` and shareable URLs all use
    `QUERY_NAMES`; `from_query` reads them back.
    """

    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    area_id: int | None = None  # an admin 1 or admin 2 area
    site_id: int | None = None
    kit_type_id: int | None = None
    kit_category: str = ""

    # Query-string name -> field. The period is "start" and "end"; the rest narrow what is counted.
    PERIOD_NAMES: ClassVar[tuple[str, ...]] = ("start", "end")
    NARROWING_NAMES: ClassVar[tuple[str, ...]] = ("area", "site", "kit_type", "kit_category")
    QUERY_NAMES: ClassVar[tuple[str, ...]] = (*PERIOD_NAMES, *NARROWING_NAMES)

    def as_query(self) -> dict:
        """The filter as query-string parameters (for shareable URLs and report records)."""
        values = {
            "start": self.period_start.isoformat() if self.period_start else "",
            "end": self.period_end.isoformat() if self.period_end else "",
            "area": self.area_id or "",
            "site": self.site_id or "",
            "kit_type": self.kit_type_id or "",
            "kit_category": self.kit_category,
        }
        return {key: str(value) for key, value in values.items() if value}

    @classmethod
    def from_query(cls, query: dict) -> "ProgressFilter":
        """Read back `as_query`'s shape ({name: text}); empty values are absent filters.

        Checks the form of each value only (whether an area or site belongs to the project is the
        dashboard form's job). Raises ValidationError {name: [message]} naming each bad value and
        any unknown name: a stored report filter that cannot be read exactly is refused, not dropped.
        """
        errors: dict[str, list[str]] = {}
        unknown = sorted(set(query) - set(cls.QUERY_NAMES))
        for name in unknown:
            errors[name] = [_("Unknown filter.")]
        values: dict = {}
        for name, field_name in (("start", "period_start"), ("end", "period_end")):
            text = str(query.get(name) or "").strip()
            if text:
                try:
                    values[field_name] = datetime.date.fromisoformat(text)
                except ValueError:
                    errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        for name in ("area", "site", "kit_type"):
            text = str(query.get(name) or "").strip()
            if text:
                if text.isdigit() and int(text) > 0:
                    values[f"{name}_id"] = int(text)
                else:
                    errors[name] = [_("Enter the id of one record (a whole number).")]
        category = str(query.get("kit_category") or "").strip()
        if category and category not in KitCategory.values:
            errors["kit_category"] = [_("Unknown kit category.")]
        elif category:
            values["kit_category"] = category
        if values.get("period_start") and values.get("period_end") and values["period_end"] < values["period_start"]:
            errors["end"] = [_("The end of the period cannot be before its start.")]
        if errors:
            raise ValidationError(errors)
        return cls(**values)
