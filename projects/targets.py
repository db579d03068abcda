"""Achieved against targets: the one rule every figure of a target comes from.

The project's dashboard, its JSON twin (progress API), the donor reports (built from the
dashboard's figures) and the project list's headline (page and API) all call `achieved_against`,
so a target's achieved figure is the same wherever it is shown (issue 13, docs/architecture.md
"Progress figures").

A target counts what it names, under the viewer's filter:

- kits distributed: the kits of its kit type, or of its whole kit category;
- households or individuals reached: each household once, at its first receipt within the target's
  kit type or category (none: any kit) and area (`progress.reach_by`);
- its admin area, if any (an admin 1 or admin 2 area), narrows either to receipts recorded there;
- activity indicators (issue 21): the approved results of its indicator (projects/indicators/figures.py);
- its periods only spread the target over time (what is *expected* by a date, `expected_by`): what
  is achieved is counted over the filter's period (the whole project without one), as on the
  dashboard.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Q, QuerySet, When

from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import kits_by, reach_by, reach_totals
from projects.indicators.figures import activity_figures
from projects.models import Project, Target

KITS_GRAIN = ("kit_type_id", "kit_category", "admin1_id", "admin2_id")
REACH_INDICATORS = (Target.Indicator.HOUSEHOLDS_REACHED, Target.Indicator.INDIVIDUALS_REACHED)
# Receipt-based targets first, activity indicators after them (then by kind, kit, category).
ACTIVITY_LAST = Case(When(indicator=Target.Indicator.ACTIVITY, then=1), default=0)


@dataclass
class TargetProgress:
    target_id: int
    indicator: str
    label: str
    kit_type_id: int | None
    kit_category: str
    admin_area_id: int | None
    target: int
    achieved: int
    expected: int
    percent: Decimal
    expected_percent: Decimal
    on_track: bool
    # Activity targets (issue 21): their indicator, its unit, and the sex-and-age groups of the approved
    # results (projects.indicators.figures.activity_figures) when the indicator is disaggregated.
    activity_indicator_id: int | None = None
    unit: str = ""
    sadd: dict | None = None


def _kits_match(target: Target, row: dict) -> bool:
    """Whether a kits row (KITS_GRAIN columns) counts towards a kits target."""
    if target.kit_type_id and row["kit_type_id"] != target.kit_type_id:
        return False
    if target.kit_category and row["kit_category"] != target.kit_category:
        return False
    return not target.admin_area_id or target.admin_area_id in (row["admin1_id"], row["admin2_id"])


def achieved_against(
    targets: list[Target],
    filters: ProgressFilter | None = None,
    *,
    kit_rows: list[dict] | None = None,
    reach: dict | None = None,
    activity: dict[int, dict] | None = None,
) -> dict[int, int]:
    """{target id: kits, households, individuals or activity results achieved} for targets of any projects.

    Kits targets: one GROUP BY query on the kits summary for all of them (project × kit type ×
    category × admin 1 × admin 2), or none when `kit_rows` (rows of one project with at least
    KITS_GRAIN columns, under the same filter) are given. Reach targets narrowed by a kit type,
    category or area: one query each (households counted once within the narrowing); unnarrowed
    ones use `reach` (the project's totals under the filter, one project only) or one query for
    all their projects. Activity targets: `activity` (activity_figures of them, under the same filter) or
    one query for all. Rule: module docstring.
    """
    filters = filters or ProgressFilter()
    achieved: dict[int, int] = {}
    kit_targets = [t for t in targets if t.indicator == Target.Indicator.KITS_DISTRIBUTED]
    activity_targets = [t for t in targets if t.indicator == Target.Indicator.ACTIVITY]
    reach_targets = [t for t in targets if t.indicator in REACH_INDICATORS]
    if activity_targets:
        activity = activity if activity is not None else activity_figures(activity_targets, filters)
        achieved.update({t.pk: activity[t.pk]["achieved"] for t in activity_targets})
    if kit_targets:
        by_project: dict[int | None, list[dict]] = defaultdict(list)
        if kit_rows is not None:
            by_project[None] = kit_rows
        else:
            project_ids = sorted({t.project_id for t in kit_targets})
            for row in kits_by(project_ids, filters, "project_id", *KITS_GRAIN):
                by_project[row["project_id"]].append(row)
        for target in kit_targets:
            rows = by_project[None if kit_rows is not None else target.project_id]
            achieved[target.pk] = sum(row["kits"] for row in rows if _kits_match(target, row))
    unnarrowed = [t for t in reach_targets if not (t.kit_type_id or t.kit_category or t.admin_area_id)]
    if unnarrowed:
        if reach is not None:
            totals = {target.project_id: reach for target in unnarrowed}
        else:
            project_ids = sorted({t.project_id for t in unnarrowed})
            totals = {row["project_id"]: row for row in reach_by(project_ids, filters, "project_id")}
        for target in unnarrowed:
            achieved[target.pk] = _reach_figure(target, totals.get(target.project_id, {}))
    for target in reach_targets:
        if target.pk in achieved:
            continue
        narrowed = reach_totals(
            reach_by(
                [target.project_id],
                filters,
                kit_type_id=target.kit_type_id,
                kit_category=target.kit_category,
                area_id=target.admin_area_id,
            )
        )
        achieved[target.pk] = _reach_figure(target, narrowed)
    return achieved


def _reach_figure(target: Target, totals: dict) -> int:
    name = "households" if target.indicator == Target.Indicator.HOUSEHOLDS_REACHED else "individuals"
    return totals.get(name) or 0


def expected_by(target: Target, project: Project, as_of: datetime.date) -> int:
    """The share of a target expected by a date: its periods (the current one pro rata), else linear."""
    periods = list(target.periods.all())
    if periods:
        return round(sum(value * _elapsed(start, end, as_of) for start, end, value in _period_values(periods)))
    return round(target.target_value * _elapsed(project.start_date, project.end_date, as_of))


def _period_values(periods):
    return [(period.period_start, period.period_end, period.target_value) for period in periods]


def _elapsed(start: datetime.date, end: datetime.date, as_of: datetime.date) -> Decimal:
    if as_of < start:
        return Decimal(0)
    if as_of >= end:
        return Decimal(1)
    return Decimal((as_of - start).days + 1) / Decimal((end - start).days + 1)


def percent(part: int, whole: int) -> Decimal:
    """part / whole in percent, one decimal, half up; 0 when whole is 0."""
    if not whole:
        return Decimal(0)
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def project_targets(project: Project) -> list[Target]:
    return list(
        Target.objects.filter(project=project)
        .select_related("kit_type", "admin_area", "activity_indicator")
        .prefetch_related("periods")
        .order_by(ACTIVITY_LAST, "indicator", "kit_type__code", "activity_indicator__code", "kit_category", "id")
    )


def target_progress(
    project: Project,
    filters: ProgressFilter,
    as_of: datetime.date,
    *,
    kit_rows: list[dict] | None = None,
    reach: dict | None = None,
) -> list[TargetProgress]:
    """Achieved and expected against each of the project's targets, under the filter.

    `kit_rows` and `reach` are the dashboard's own figures under the same filter (saves queries).
    """
    targets = project_targets(project)
    activity = activity_figures(targets, filters)
    achieved_by_target = achieved_against(targets, filters, kit_rows=kit_rows, reach=reach, activity=activity)
    results = []
    for target in targets:
        achieved = achieved_by_target[target.pk]
        expected = expected_by(target, project, as_of)
        results.append(
            TargetProgress(
                target_id=target.pk,
                indicator=target.indicator,
                label=_target_label(target),
                kit_type_id=target.kit_type_id,
                kit_category=target.kit_category,
                admin_area_id=target.admin_area_id,
                target=target.target_value,
                achieved=achieved,
                expected=expected,
                percent=percent(achieved, target.target_value),
                expected_percent=percent(expected, target.target_value),
                on_track=achieved >= expected,
                activity_indicator_id=target.activity_indicator_id,
                unit=target.activity_indicator.unit if target.activity_indicator_id else "",
                sadd=activity[target.pk]["sadd"] if target.activity_indicator_id else None,
            )
        )
    return results


def headline_progress(projects: QuerySet[Project]) -> dict[int, dict]:
    """Per project: kits achieved against its kits targets, households and individuals reached, and each
    project-wide activity target's achieved figure.

    {project id: {"kits", "kits_target", "households", "individuals", "percent", "activities": [{"target_id",
    "label", "unit", "achieved", "target"}]}}. `kits` adds up each kits target's achieved figure
    (`achieved_against`, the dashboard's), capped at the target so that one target exceeded does not hide
    another behind; `kits_target` adds up their target values. Five queries for any number of projects.
    """
    project_ids = list(projects.values_list("pk", flat=True))
    targets = list(
        Target.objects.filter(project_id__in=project_ids)
        .filter(
            Q(indicator=Target.Indicator.KITS_DISTRIBUTED)
            | Q(indicator=Target.Indicator.ACTIVITY, admin_area__isnull=True)
        )
        .select_related("activity_indicator")
        .order_by("project_id", "activity_indicator__code", "id")
    )
    achieved = achieved_against(targets)
    reach = {row["project_id"]: row for row in reach_by(project_ids, ProgressFilter(), "project_id")}
    headline = {
        pk: {"kits": 0, "kits_target": 0, "households": 0, "individuals": 0, "activities": []} for pk in project_ids
    }
    for target in targets:
        if target.activity_indicator_id:
            headline[target.project_id]["activities"].append(
                {
                    "target_id": target.pk,
                    "label": target.activity_indicator.local_name,
                    "unit": target.activity_indicator.unit,
                    "achieved": achieved[target.pk],
                    "target": target.target_value,
                }
            )
            continue
        headline[target.project_id]["kits"] += min(achieved[target.pk], target.target_value)
        headline[target.project_id]["kits_target"] += target.target_value
    for pk, values in headline.items():
        values["households"] = reach.get(pk, {}).get("households", 0)
        values["individuals"] = reach.get(pk, {}).get("individuals", 0)
        values["percent"] = percent(values["kits"], values["kits_target"])
    return headline


def _target_label(target: Target) -> str:
    """What a target counts, in the active language: its kit type's name (config.names), else its category
    or indicator, translated. The donor report freezes its figures in the default language
    (projects/reports/__init__.py), so the IATI narratives built from this label stay English."""
    if target.kit_type_id:
        return target.kit_type.local_name
    if target.activity_indicator_id:
        return target.activity_indicator.local_name
    return str(target.get_kit_category_display() or target.get_indicator_display())


def measure_goal(targets: list[dict], indicator: str) -> dict:
    """{"target", "expected"} of one measure for the cumulative charts (dashboard and PDF), from targets as
    dicts (`asdict(TargetProgress)` or frozen): kits summed over the kit types' targets (a category's would
    count its kits twice), households or individuals the project-wide target; targets of one area are left
    out (part of the whole). {} when the project has no such target."""
    rows = [t for t in targets if t["indicator"] == indicator and t.get("admin_area_id") is None]
    if indicator == Target.Indicator.KITS_DISTRIBUTED:
        rows = [t for t in rows if t["kit_type_id"]]
    else:
        rows = [t for t in rows if not (t["kit_type_id"] or t["kit_category"])]
    if not rows:
        return {}
    return {"target": sum(t["target"] for t in rows), "expected": sum(t["expected"] for t in rows)}
