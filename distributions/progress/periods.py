"""Roll-up periods: the grain of ReceiptRollup and ReachRollup, and how a dashboard period is read from them.

A roll-up period is a week (Monday to Sunday) cut where a month ends: 4 to 6 per month, 1 to 7 days
long. Weeks and months are both unions of whole periods, so the weekly and monthly timelines read
roll-up rows as they are, and a dashboard over two years reads about 120 periods' rows instead of
730 days'. A filter's period (any start and end day) is read as the roll-up rows of the periods it
covers whole plus, at each edge, at most six days of the per-day tables: exact for any boundary, and
the per-day part does not grow with time.
"""

import datetime

from django.db.models import QuerySet

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


def summary_parts(
    daily: QuerySet, rollup: QuerySet | None, start: datetime.date | None, end: datetime.date | None
) -> list[QuerySet]:
    """The rows to sum for the days from `start` to `end` (inclusive; None: unbounded): roll-up rows for the
    periods inside, per-day rows for the edges. Both querysets already carry every other condition; with no
    roll-up (a grouping it lacks, e.g. the distribution) the per-day rows only."""
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


def _days(rows: QuerySet, start: datetime.date | None, end: datetime.date | None) -> QuerySet:
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return rows
