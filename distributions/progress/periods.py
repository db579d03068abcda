"""Roll-ups: the tables adding up the per-day summaries, and how a dashboard's question is read from them.

A roll-up period is a week (Monday to Sunday) cut where a month ends: 4 to 6 per month, 1 to 7 days
long. Weeks and months are both unions of whole periods, so the weekly and monthly timelines read
roll-up rows as they are, and a dashboard over two years reads about 120 periods' rows instead of
730 days'. A filter's period (any start and end day) is read as the roll-up rows of the periods it
covers whole plus, at each edge, at most six days of the per-day tables: exact for any boundary, and
the per-day part does not grow with time.

Two more roll-ups bound what still grew with time (`ROLLUPS`): with no period, the places and kit tables
read the whole-history totals (`ReceiptTotal`, `ReachTotal`: no day at all), and with no site filtered the
timelines read the periods summed over each area's sites (`ReceiptTimeline`, `ReachTimeline`).
`distributions/progress/maintain.py` adds every delta to all of them in the same statement and
`distributions/progress/rebuild.py` recomputes them, both from `ROLLUPS`.
"""

import datetime
from dataclasses import dataclass
from functools import cache, cached_property

from django.db.models import Model, QuerySet

from distributions.models import (
    REACH_FIGURES,
    TIMELINE_SCOPES,
    ReachRollup,
    ReachSummary,
    ReachTimeline,
    ReachTotal,
    ReceiptRollup,
    ReceiptSummary,
    ReceiptTimeline,
    ReceiptTotal,
)

ONE_DAY = datetime.timedelta(days=1)

# The same rule in SQL, for the rebuild (distributions/progress/rebuild.py): `{day}` is a date column.
PERIOD_START_SQL = "GREATEST(date_trunc('week', {day}), date_trunc('month', {day}))::date"


def period_start(day: datetime.date) -> datetime.date:
    """The first day of the roll-up period holding `day`: its week's Monday, or the 1st if the month began since."""
    return max(day - datetime.timedelta(days=day.weekday()), day.replace(day=1))


def next_period_start(day: datetime.date) -> datetime.date:
    """The first day of the roll-up period after the one holding `day`."""
    next_monday = day + datetime.timedelta(days=7 - day.weekday())
    next_month = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return min(next_monday, next_month)


KIT_SUMS = ("receipts", "kits")


@dataclass(frozen=True)
class Rollup:
    """A table adding up another summary table's rows over the columns it lacks.

    `by_period`: its `day` is the roll-up period's first day (else it has no day: the whole history).
    `scopes`: for a reach table, the scopes whose rows it keeps (None: all). `source` is the table it is
    rebuilt from, which has every column it keeps.
    """

    model: type[Model]
    source: type[Model]
    sums: tuple[str, ...]
    by_period: bool
    scopes: tuple[str, ...] | None = None

    @cached_property
    def key_columns(self) -> tuple[str, ...]:
        """Its key's column names (attnames: "day" if by period, "project_id", "site_id", …), in table order."""
        return key_columns(self.model, self.sums)


def key_columns(model: type[Model], sums: tuple[str, ...]) -> tuple[str, ...]:
    """A summary table's key: every column but the id, the stripe and the summed ones (attnames, table order)."""
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in ("stripe", *sums)
    )


# Every roll-up, each after its source (the rebuild fills them in this order); maintain.py adds each receipt's
# deltas to them in this order too, so every writer locks their rows in the same order.
KIT_ROLLUPS = (
    Rollup(ReceiptRollup, ReceiptSummary, KIT_SUMS, by_period=True),  # without the distribution
    Rollup(ReceiptTimeline, ReceiptRollup, KIT_SUMS, by_period=True),  # without the sites
    Rollup(ReceiptTotal, ReceiptRollup, KIT_SUMS, by_period=False),
)
REACH_ROLLUPS = (
    Rollup(ReachRollup, ReachSummary, REACH_FIGURES, by_period=True),
    Rollup(ReachTimeline, ReachRollup, REACH_FIGURES, by_period=True, scopes=TIMELINE_SCOPES),
    Rollup(ReachTotal, ReachRollup, REACH_FIGURES, by_period=False),
)
ROLLUPS = (*KIT_ROLLUPS, *REACH_ROLLUPS)
# Every summary table and its summed columns: the per-day tables and their roll-ups.
SUMMARY_TABLES = ((ReceiptSummary, KIT_SUMS), (ReachSummary, REACH_FIGURES), *((r.model, r.sums) for r in ROLLUPS))


def summary_parts(
    daily: QuerySet,
    rollup: QuerySet | None,
    start: datetime.date | None,
    end: datetime.date | None,
    total: QuerySet | None = None,
) -> list[QuerySet]:
    """The rows to sum for the days from `start` to `end` (inclusive; None: unbounded): roll-up rows for the
    periods inside, per-day rows for the edges; the whole-history `total` rows when neither end is bounded and
    one is given. The querysets already carry every other condition; with no roll-up (a grouping it lacks,
    e.g. the distribution) the per-day rows only."""
    if total is not None and start is None and end is None:
        return [total]
    if rollup is None:
        return [_days(daily, start, end)]
    first = start if start is None or period_start(start) == start else next_period_start(start)
    stop = None if end is None else period_start(end + ONE_DAY)  # periods starting before it end by `end`
    if first is not None and stop is not None and first >= stop:
        return [_days(daily, start, end)]  # within one period, or two partial ones: at most 12 days
    parts = [_days(rollup, first, None if stop is None else stop - ONE_DAY)]
    if start is not None and start < first:
        parts.append(_days(daily, start, first - ONE_DAY))
    if end is not None and stop <= end:
        parts.append(_days(daily, stop, end))
    return parts


def summary_tables(daily, rollups: tuple[Rollup, ...], dimensions: tuple[str, ...], by_site: bool) -> tuple:
    """Which tables answer a grouping: (per-day, roll-up or None, whole-history total or None), for summary_parts.

    `rollups`: KIT_ROLLUPS or REACH_ROLLUPS. Of those by period, the last (each is listed after its source, so
    the smallest) that keeps every grouped column, and the site when one is filtered (`by_site`); of those
    without the day, the one that keeps every grouped column. Grouped by what no roll-up keeps (the
    distribution): the per-day table alone.
    """
    needed = (*dimensions, "site") if by_site else dimensions
    by_period = [rollup.model for rollup in rollups if rollup.by_period and _keeps(rollup.model, needed)]
    if not by_period:
        return daily, None, None
    totals = [rollup.model for rollup in rollups if not rollup.by_period and _keeps(rollup.model, dimensions)]
    return daily, by_period[-1], totals[0] if totals else None


def _keeps(model, dimensions: tuple[str, ...]) -> bool:
    return all(name.partition("__")[0] in _column_names(model) for name in dimensions)


@cache
def _column_names(model) -> frozenset[str]:
    """Its concrete fields' names and attnames ("site", "site_id", …)."""
    fields = model._meta.concrete_fields
    return frozenset(field.name for field in fields) | frozenset(field.attname for field in fields)


def _days(rows: QuerySet, start: datetime.date | None, end: datetime.date | None) -> QuerySet:
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return rows
