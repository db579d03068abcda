"""What an activity indicator has achieved: the one rule every figure of it comes from (issue 21).

Only approved results count. Under a progress filter (distributions.progress.filters.ProgressFilter) a
result counts when its date lies in the period (calendar days, both included), its admin 1 or admin 2 area
is the filter's area and its site the filter's site (a result for a whole area matches no site filter).
Kit filters do not narrow them: they count no kits. A target of an activity indicator restricted to an area
counts the results in that area (admin 1 or admin 2), as a receipt-based target does.

The dashboard, the progress API, the project list's headline and the donor report all read these
functions through projects/targets.py and projects/reports/indicators.py.
"""

from django.db.models import Count, Q, QuerySet, Sum

from distributions.progress.filters import ProgressFilter
from projects.indicators.models import RESULT_SADD_FIELDS, IndicatorResult

SUMS = {"quantity": Sum("quantity"), **{name: Sum(name) for name in RESULT_SADD_FIELDS}}


def approved_results(filters: ProgressFilter | None = None) -> QuerySet[IndicatorResult]:
    """Approved results under the filter (module docstring)."""
    filters = filters or ProgressFilter()
    results = IndicatorResult.objects.filter(status=IndicatorResult.Status.APPROVED)
    if filters.period_start:
        results = results.filter(date__gte=filters.period_start)
    if filters.period_end:
        results = results.filter(date__lte=filters.period_end)
    if filters.area_id:
        results = results.filter(Q(admin1_id=filters.area_id) | Q(admin2_id=filters.area_id))
    if filters.site_id:
        results = results.filter(site_id=filters.site_id)
    return results


def activity_figures(targets: list, filters: ProgressFilter | None = None) -> dict[int, dict]:
    """{target id: {"achieved": quantity, "sadd": {group: count} or None}} for activity targets (of any
    projects), in one GROUP BY query (indicator × admin 1 × admin 2). `sadd` (the four SADD_GROUPS of the
    results that carry a breakdown) only for disaggregated indicators."""
    targets = [target for target in targets if target.activity_indicator_id]
    if not targets:
        return {}
    rows = list(
        approved_results(filters)
        .filter(indicator_id__in={target.activity_indicator_id for target in targets})
        .values("indicator_id", "admin1_id", "admin2_id")
        .annotate(**SUMS)
        .order_by()
    )
    figures = {}
    for target in targets:
        matching = [
            row
            for row in rows
            if row["indicator_id"] == target.activity_indicator_id
            and (not target.admin_area_id or target.admin_area_id in (row["admin1_id"], row["admin2_id"]))
        ]
        sadd = None
        if target.activity_indicator.disaggregated:
            sadd = {name: sum(row[name] or 0 for row in matching) for name in RESULT_SADD_FIELDS}
        figures[target.pk] = {"achieved": sum(row["quantity"] for row in matching), "sadd": sadd}
    return figures


PLACE = ("admin1__name", "admin1__pcode", "admin2__name", "admin2__pcode", "site__name", "site__code")


def activity_rows(project_id: int, filters: ProgressFilter | None = None) -> list[dict]:
    """Approved results of a project's indicators by indicator and place (site, else the area reported):
    [{"indicator_id", "indicator__code", "indicator__unit", *PLACE, "quantity", *groups, "entries"}], one
    query. For the donor report's activity sheet."""

    return list(
        approved_results(filters)
        .filter(indicator__project_id=project_id)
        .values("indicator_id", "indicator__code", "indicator__unit", *PLACE)
        .annotate(**SUMS, entries=Count("id"))
        .order_by("indicator__code", "admin1__pcode", "admin2__pcode", "site__code")
    )


def handover_rows(project_id: int, filters: ProgressFilter | None = None) -> list[dict]:
    """Approved handovers of a project by organisation and indicator: [{"handover__organisation__name",
    "indicator__code", "quantity", "entries"}], one query. Organisations, not people: nothing to withhold."""

    return list(
        approved_results(filters)
        .filter(indicator__project_id=project_id, handover__isnull=False)
        .values("handover__organisation__name", "indicator_id", "indicator__code")
        .annotate(quantity=Sum("quantity"), entries=Count("id"))
        .order_by("handover__organisation__name", "indicator__code")
    )
