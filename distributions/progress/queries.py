"""The progress engine: every figure the dashboards, the API's JSON twin and the donor reports show.

Figures are computed in SQL, a handful of GROUP BY queries whatever the number of receipts:
kits from `ReceiptSummary` (kits per day and dimension), reach from `ReachSummary` (households
first reached per day, within the project, a kit type, a category, an area or a site, or a
category within an area or site), which serves every combination of the dashboard's filters.
The window over `HouseholdReach` (each household's first receipt of a kit type in a project) is
the definition the summary is tested against, and serves only other groupings (`per`).
All are kept exact in the transaction that records or
voids a receipt, so a receipt recorded a second ago is counted.

Households reached are counted once: within the filter's kits and area, a household is anchored
at its first receipt, and counted in the period, region, site and week of that receipt, with the
sex-and-age counts and vulnerability frozen on it. So regions add up to the total, periods add
up to the cumulative figure, and a household given two kits counts once (docs/architecture.md).
"""

import datetime
import operator
from collections import defaultdict
from collections.abc import Callable

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS
from distributions.models import (
    REACH_FIGURES,
    HouseholdReach,
    ReachSummary,
    ReceiptSummary,
)
from distributions.progress.filters import ProgressFilter
from distributions.progress.periods import KIT_ROLLUPS, REACH_ROLLUPS, summary_parts, summary_tables
from distributions.progress.scopes import rank_of_reach_row

BUCKETS = {"week": TruncWeek, "month": TruncMonth}


def _scope_q(filters: ProgressFilter, *, kit_type_id=None, kit_category="", area_id=None) -> Q:
    """Kits and area conditions shared by both tables (same column names)."""
    q = Q()
    for kit_id in (filters.kit_type_id, kit_type_id):
        if kit_id:
            q &= Q(kit_type_id=kit_id)
    for category in (filters.kit_category, kit_category):
        if category:
            q &= Q(kit_category=category)
    for area in (filters.area_id, area_id):
        if area:
            q &= Q(admin1_id=area) | Q(admin2_id=area)
    if filters.site_id:
        q &= Q(site_id=filters.site_id)
    return q


def _day_bounds(filters: ProgressFilter) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    tz = timezone.get_current_timezone()
    start = end = None
    if filters.period_start:
        start = datetime.datetime.combine(filters.period_start, datetime.time.min, tzinfo=tz)
    if filters.period_end:
        end = datetime.datetime.combine(filters.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


# --- kits, from the summary -------------------------------------------------------------------


def kits_parts(projects, filters: ProgressFilter, dimensions: tuple[str, ...] = ()) -> list[QuerySet]:
    """The kit summary rows to sum for the filter and grouping (periods.summary_parts and summary_tables)."""
    q = _scope_q(filters) & Q(project__in=projects)
    tables = summary_tables(ReceiptSummary, KIT_ROLLUPS, dimensions, bool(filters.site_id))
    daily, rollup, total = (None if table is None else table.objects.filter(q) for table in tables)
    return summary_parts(daily, rollup, filters.period_start, filters.period_end, total)


def kits_by(projects, filters: ProgressFilter, *dimensions: str, names: dict | None = None) -> list[dict]:
    """Kits and receipts grouped by the given summary columns (names with __ follow relations)."""
    return _grouped(
        kits_parts(projects, filters, dimensions),
        dimensions,
        {"kits": Sum("kits"), "receipts": Sum("receipts")},
        positive="receipts",
        names=names,
    )


# --- grouping on ids, names looked up after -------------------------------------------------------


def _grouped(
    parts: list[QuerySet],
    dimensions: tuple[str, ...],
    aggregates: dict,
    positive: str | None = None,
    names: dict | None = None,
) -> list[dict]:
    """GROUP BY the tables' own columns, then add the related names (site__name, …) looked up by id.

    `parts` are querysets of tables with the same columns (per-day rows and roll-up rows, or one
    table): each is grouped in SQL, and the groups added up here; groups whose `positive` sum is
    not above zero are dropped. Grouping and sorting tens of thousands of summary rows on joined
    text columns cost more than the sums (about half the dashboard's SQL at full scale); a few
    hundred groups are then named with one query per related table (`names`, if given, is a cache
    shared between calls). Rows come sorted by the dimensions, NULLs last on any database.
    """
    model = parts[0].model
    columns = list(dict.fromkeys(_column(model, name) for name in dimensions))
    merged: dict[tuple, dict] = {}
    for rows in parts:
        for group in rows.values(*columns).annotate(**aggregates).order_by():
            key = tuple(group[column] for column in columns)
            known = merged.get(key)
            if known is None:
                merged[key] = group
            else:
                for name in aggregates:
                    known[name] = (known[name] or 0) + (group[name] or 0)
    groups = [group for group in merged.values() if positive is None or (group[positive] or 0) > 0]
    names = _related_names(model, dimensions, groups, {} if names is None else names)
    getters = [(name, _getter(model, name, names)) for name in dimensions]
    result = []
    for group in groups:
        row = {name: get(group) for name, get in getters}
        row.update((name, group[name]) for name in aggregates)
        result.append(row)
    result.sort(key=lambda row: tuple((row[name] is None, row[name]) for name in dimensions))
    return result


def _column(model, dimension: str) -> str:
    relation, separator, _rest = dimension.partition("__")
    return model._meta.get_field(relation).attname if separator else dimension


def _related_names(model, dimensions: tuple[str, ...], groups: list[dict], cache: dict) -> dict:
    """{related model: {pk: {field: value}}}: a query per related model for the ids `cache` lacks.

    Admin 1 and admin 2 areas share one query; `cache` is keyed by model and fields asked.
    """
    wanted: dict = {}
    for dimension in dimensions:
        relation, separator, rest = dimension.partition("__")
        if separator:
            field = model._meta.get_field(relation)
            fields, ids = wanted.setdefault(field.related_model, (set(), set()))
            fields.add(rest)
            ids.update(group[field.attname] for group in groups)
    names = {}
    for related, (fields, ids) in wanted.items():
        known = names[related] = cache.setdefault((related, tuple(sorted(fields))), {})
        missing = ids - known.keys() - {None}
        if missing:
            found = related._base_manager.filter(pk__in=missing).values("pk", *fields)
            known.update((values["pk"], values) for values in found)
    return names


def _getter(model, dimension: str, names: dict) -> Callable[[dict], object]:
    relation, separator, rest = dimension.partition("__")
    if not separator:
        return operator.itemgetter(dimension)
    field = model._meta.get_field(relation)
    known, column = names[field.related_model], field.attname
    return lambda group: known.get(group[column], {}).get(rest)


def kits_timeline(project_id: int, filters: ProgressFilter, bucket: str = "week") -> list[dict]:
    rows = _grouped(kits_parts([project_id], filters, ("day",)), ("day",), {"kits": Sum("kits")})
    return _cumulate(_by_bucket(rows, bucket, "kits"), "kits")


def _by_bucket(rows, bucket: str, *names: str) -> list[dict]:
    """Per-day (or per roll-up period: a week cut at month ends, keyed by its first day) sums added up per
    week (from Monday) or month, as TruncWeek and TruncMonth would.

    The summaries group by the bare day column (no date_trunc on every summary row in SQL), then
    a few hundred days are bucketed here.
    """
    sums: dict[datetime.date, dict] = {}
    for row in rows:
        day = row["day"]
        start = day - datetime.timedelta(days=day.weekday()) if bucket == "week" else day.replace(day=1)
        entry = sums.setdefault(start, dict.fromkeys(names, 0))
        for name in names:
            entry[name] += row[name] or 0
    return [{"bucket": start, **sums[start]} for start in sorted(sums)]


# --- reach, from each household's first receipt -------------------------------------------------


def _reach_summary_rows(
    projects,
    filters: ProgressFilter,
    per: tuple[str, ...],
    dimensions: tuple[str, ...] = (),
    *,
    kit_type_id=None,
    kit_category="",
    area_id=None,
) -> list[QuerySet] | None:
    """The ReachSummary rows (or its roll-ups', periods.summary_tables) giving the same households as the window below,
    or None when `per` is not served. Roll-up rows for the periods the filter covers whole, per-day rows at its
    edges; the whole-history totals with no period; with no site, the periods summed over each area's sites.

    Every combination of the filters (period × area or site × kit type or category) is served:

    * a kit type (or counting once per kit type) narrows each household to at most one reach row,
      so the kit-type scope with every condition applied is exact;
    * otherwise the scope is the finest place narrowing, with the category if one is asked: a
      site, else an admin 2 area, else an admin 1 area (`_finest_place`), else the category alone
      or the project. The coarser places then only narrow its rows: a receipt's areas are its
      site's (distributions/services.py stamps them from the site), so all of a household's rows
      in a site or admin 2 area lie in the same admin 1 area and its first there is its first in both.

    With no site narrowing the scope names no site: one ReachTimeline keeps (TIMELINE_SCOPES). The cost is that
    of summing the scope's summary rows in the period: it does not grow with the households of the area, nor,
    with no period, with the days.
    """
    if per not in ((), ("project_id",), ("kit_type_id",)):
        return None
    kit_types = {kit for kit in (filters.kit_type_id, kit_type_id) if kit}
    categories = {category for category in (filters.kit_category, kit_category) if category}
    conditions = _scope_q(filters, kit_type_id=kit_type_id, kit_category=kit_category, area_id=area_id)
    conditions &= Q(project__in=projects)
    if kit_types or per == ("kit_type_id",):
        conditions &= Q(scope=ReachSummary.Scope.KIT_TYPE)
    else:
        areas = {area for area in (filters.area_id, area_id) if area}
        conditions &= _finest_place(areas, filters.site_id, by_category=bool(categories))
    tables = summary_tables(ReachSummary, REACH_ROLLUPS, dimensions, bool(filters.site_id))
    daily, rollup, total = (None if table is None else table.objects.filter(conditions) for table in tables)
    return summary_parts(daily, rollup, filters.period_start, filters.period_end, total)


# The scope of each place narrowing, without and with a kit category.
_PLACE_SCOPES = {
    "site": (ReachSummary.Scope.SITE, ReachSummary.Scope.SITE_CATEGORY),
    "admin2": (ReachSummary.Scope.ADMIN2, ReachSummary.Scope.ADMIN2_CATEGORY),
    "admin1": (ReachSummary.Scope.ADMIN1, ReachSummary.Scope.ADMIN1_CATEGORY),
    None: (ReachSummary.Scope.PROJECT, ReachSummary.Scope.KIT_CATEGORY),
}


def _finest_place(areas: set[int], site_id: int | None, *, by_category: bool) -> Q:
    """The ReachSummary scope of the finest place narrowing (the conditions themselves are applied apart).

    An area id may be an admin 1 or an admin 2 area; which one is read from the rows: an admin 2
    scope row whose admin 2 is one of the areas, or, when none of the areas is the row's admin 2,
    an admin 1 scope row whose admin 1 is one of them. For a given set of areas only one of the two
    holds, so no household is counted twice.
    """
    if site_id:
        return Q(scope=_PLACE_SCOPES["site"][by_category])
    if not areas:
        return Q(scope=_PLACE_SCOPES[None][by_category])
    in_admin2 = Q(scope=_PLACE_SCOPES["admin2"][by_category], admin2_id__in=areas)
    in_admin1 = Q(scope=_PLACE_SCOPES["admin1"][by_category], admin1_id__in=areas) & ~Q(admin2_id__in=areas)
    return in_admin2 | in_admin1


def _reach_summary_aggregates() -> dict:
    return {f"sum_{name}": Sum(name) for name in REACH_FIGURES}


def _from_summary_sums(row: dict) -> dict:
    """Rename the summary's sum_<name> aggregates to the names the window path yields."""
    return dict((key[4:], value or 0) if key.startswith("sum_") else (key, value) for key, value in row.items())


def _first_receipts(projects, filters: ProgressFilter, per: tuple[str, ...] = ("project_id",), **narrowing):
    """Reach rows that are each household's first receipt within the filter's kits and area, then the period."""
    scope = _scope_q(filters, **narrowing)
    if not scope and per in ((), ("project_id",)):
        # No kit or area narrowing: the household's first row in the project is flagged as it is written.
        reached = HouseholdReach.objects.filter(project__in=projects, is_household_first=True)
    else:
        firsts = (
            HouseholdReach.objects.filter(scope, project__in=projects)
            .annotate(rank_in_household=rank_of_reach_row(*per))
            .filter(rank_in_household=1)
        )
        reached = HouseholdReach.objects.filter(pk__in=firsts.values("pk"))
    start, end = _day_bounds(filters)
    if start:
        reached = reached.filter(received_at__gte=start)
    if end:
        reached = reached.filter(received_at__lt=end)
    return reached


def _reach_aggregates() -> dict:
    aggregates = {"households": Count("id"), "individuals": Sum("household_size")}
    aggregates.update({name: Sum(name) for name in SADD_FIELDS})
    aggregates.update({name: Count("id", filter=Q(**{name: True})) for name in VULNERABILITY_FIELDS})
    return aggregates


def reach_by(
    projects,
    filters: ProgressFilter,
    *dimensions: str,
    per: tuple[str, ...] | None = None,
    names: dict | None = None,
    **narrowing,
) -> list[dict]:
    """Households and individuals reached, each household once, grouped by the given reach columns.

    `per` counts a household once per value of those columns instead (("kit_type_id",): once per kit type).
    """
    if per is None:
        per = ("project_id",) if "project_id" in dimensions or "project" in dimensions else ()
    summary = _reach_summary_rows(projects, filters, per, dimensions, **narrowing)
    if summary is not None:
        rows = _grouped(summary, dimensions, _reach_summary_aggregates(), "sum_households", names)
        return [_from_summary_sums(row) for row in rows]
    reached = _first_receipts(projects, filters, per=per, **narrowing)
    rows = _grouped([reached], dimensions, _reach_aggregates(), names=names)
    return [{**row, "individuals": row["individuals"] or 0} for row in rows]


def reach_totals(rows: list[dict]) -> dict:
    """Adds up reach rows of disjoint groups (each household is in exactly one group)."""
    return {name: sum(row[name] or 0 for row in rows) for name in REACH_FIGURES}


def reach_timeline(project_id: int, filters: ProgressFilter, bucket: str = "week") -> list[dict]:
    summary = _reach_summary_rows([project_id], filters, (), ("day",))
    if summary is not None:
        sums = {"sum_households": Sum("households"), "sum_individuals": Sum("individuals")}
        buckets = _by_bucket(_grouped(summary, ("day",), sums), bucket, "sum_households", "sum_individuals")
        rows = [_from_summary_sums(row) for row in buckets if row["sum_households"] > 0]
        return _cumulate(rows, "households", "individuals")
    rows = (
        _first_receipts([project_id], filters, per=())
        .annotate(bucket=BUCKETS[bucket]("received_at"))
        .values("bucket")
        .annotate(households=Count("id"), individuals=Sum("household_size"))
        .order_by("bucket")
    )
    return _cumulate(rows, "households", "individuals")


def _cumulate(rows, *names: str) -> list[dict]:
    totals = dict.fromkeys(names, 0)
    result = []
    for row in rows:
        bucket = row["bucket"]
        if isinstance(bucket, datetime.datetime):
            bucket = timezone.localtime(bucket).date() if timezone.is_aware(bucket) else bucket.date()
        entry = {"bucket": bucket}
        for name in names:
            totals[name] += row[name] or 0
            entry[name] = row[name] or 0
            entry[f"cumulative_{name}"] = totals[name]
        result.append(entry)
    return result


# Where a figure was counted (region, area, site) and what kit: the dashboard's finest grain.
PLACES = (
    "admin1_id",
    "admin1__name",
    "admin1__pcode",
    "admin2_id",
    "admin2__name",
    "admin2__pcode",
    "site_id",
    "site__name",
    "site__code",
)
KIT_TYPE = ("kit_type_id", "kit_type__code", "kit_type__name", "kit_type__name_fr", "kit_type__name_ar", "kit_category")


def roll_up(rows: list[dict], keys: tuple[str, ...], numbers: list[str]) -> list[dict]:
    grouped: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        entry = grouped.setdefault(key, {**dict(zip(keys, key, strict=True)), **dict.fromkeys(numbers, 0)})
        for name in numbers:
            entry[name] += row[name] or 0
    return list(grouped.values())


def places(kit_rows: list[dict], reach_rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """Per region, area or site: kits by kit type, households and individuals reached."""
    places: dict[tuple, dict] = {}

    def entry(row):
        key = tuple(row[name] for name in keys)
        place = places.get(key)
        if place is None:
            place = places[key] = {
                **dict(zip(keys, key, strict=True)),
                "kits": 0,
                "kits_by_type": defaultdict(int),
                "households": 0,
                "individuals": 0,
            }
        return place

    for row in kit_rows:
        place = entry(row)
        place["kits"] += row["kits"]
        place["kits_by_type"][row["kit_type__code"]] += row["kits"]
    for row in reach_rows:
        place = entry(row)
        place["households"] += row["households"]
        place["individuals"] += row["individuals"]
    ordered = sorted(places.values(), key=lambda place: tuple(str(place[name] or "") for name in keys))
    for place in ordered:
        place["kits_by_type"] = dict(place["kits_by_type"])
    return ordered


def last_day_with_receipts(project_id: int) -> datetime.date | None:
    """The last local day on which the project has active receipts, or None. One query on the kit summary.

    A day's summary rows are summed: a void may subtract in another row than the one its receipt added to.
    """
    return (
        ReceiptSummary.objects.filter(project_id=project_id)
        .values("day")
        .annotate(day_receipts=Sum("receipts"))
        .filter(day_receipts__gt=0)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
