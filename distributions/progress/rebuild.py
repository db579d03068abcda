"""Rebuilding the progress summaries (and their roll-ups) from the receipts alone, in SQL (INSERT … SELECT).

For `manage.py rebuild_progress_summary`, bulk loads (the scale generator) and the test that checks
the maintained tables (distributions/progress/maintain.py) against a rebuild. The first-receipt rule
is the one of distributions/progress/scopes.py, written here as a window (ROW_NUMBER over the
receipt order) because a rebuild covers every household at once.
"""

from django.db import connection, transaction
from django.db.models import Case, Count, F, Sum, Value, When
from django.db.models.functions import TruncDate

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS
from distributions.models import (
    REACH_SCOPES,
    HouseholdReach,
    ReachSummary,
    Receipt,
    ReceiptSummary,
)
from distributions.progress.periods import PERIOD_START_SQL, ROLLUPS
from distributions.progress.scopes import (
    FIGURE_FIELDS,
    FIRST_RECEIPT_ORDER,
    REACH_COLUMNS,
    REACH_SUM_FIELDS,
    RECEIPT_ORDER,
    keeps_kit_category,
    rank_of_reach_row,
)


def _summary_from_receipts():
    """The summary's rows computed from active receipts, as a queryset (one GROUP BY)."""
    return (
        Receipt.objects.filter(voided_at__isnull=True)
        .annotate(
            summary_day=TruncDate("received_at"),
            summary_project=F("distribution__project_id"),
            summary_category=F("kit_type__category"),
        )
        .values(
            "summary_day",
            "summary_project",
            "distribution_id",
            "site_id",
            "admin1_id",
            "admin2_id",
            "kit_type_id",
            "summary_category",
            "displacement_status",
        )
        .annotate(summary_receipts=Count("id"), summary_kits=Sum("quantity"))
        .order_by()
    )


def _reach_rebuild_sql() -> str:
    receipt, distribution, kit_type = (
        Receipt._meta.db_table,
        "distributions_distribution",
        "kits_kittype",
    )
    figures = ", ".join(f"r.{name}" for name in FIGURE_FIELDS)
    # scopes.RECEIPT_ORDER on the receipts' columns (the ORM cannot name INSERT … SELECT columns).
    order = ", ".join(f"r.{'id' if name == 'pk' else name}" for name in RECEIPT_ORDER)
    # scopes.rank_of_reach_row("project_id") on the rows just chosen: the household's first row in its project
    # (maintain.py sets the same flag). Computed here rather than by an UPDATE afterwards, which rewrote a
    # million rows and their twelve indexes (115 s of a 1,000,000-household rebuild).
    first_order = ", ".join(FIRST_RECEIPT_ORDER)
    # Only table and column names from the models are interpolated; there is no user input.
    return f"""
        INSERT INTO {HouseholdReach._meta.db_table} ({", ".join(REACH_COLUMNS)}, is_household_first)
        SELECT {", ".join(REACH_COLUMNS)},
               ROW_NUMBER() OVER (PARTITION BY project_id, household_id ORDER BY {first_order}) = 1
        FROM (
            SELECT d.project_id, r.household_id, r.kit_type_id, k.category AS kit_category,
                   r.id AS first_receipt_id, r.received_at, r.distribution_id, r.site_id, r.admin1_id,
                   r.admin2_id, {figures},
                   ROW_NUMBER() OVER (
                       PARTITION BY d.project_id, r.household_id, r.kit_type_id ORDER BY {order}
                   ) AS rank_in_household
            FROM {receipt} r
            JOIN {distribution} d ON d.id = r.distribution_id
            JOIN {kit_type} k ON k.id = r.kit_type_id
            WHERE r.voided_at IS NULL
        ) receipts
        WHERE rank_in_household = 1
    """  # noqa: S608


# The windows sort every receipt (5,000,000: about 700 MB) and reach row: in memory rather than on disk, for the
# rebuild's transaction only (a maintenance operation on one connection).
REBUILD_WORK_MEM = "1GB"

SUMMARY_COLUMNS = (
    "day",
    "project_id",
    "distribution_id",
    "site_id",
    "admin1_id",
    "admin2_id",
    "kit_type_id",
    "kit_category",
    "displacement_status",
    "receipts",
    "kits",
)


# Every scope's rank of every reach row, computed in one pass (rebuild_reach_summary): a temporary table.
RANKS_TABLE = "reach_summary_ranks"


def _scope_rank(scope: str):
    """The expression numbering a reach row within `scope` (1 = its household's first there)."""
    if scope == ReachSummary.Scope.KIT_TYPE:
        return Value(1)  # every reach row is its household's first of its kit type
    if scope == ReachSummary.Scope.PROJECT:
        return Case(When(is_household_first=True, then=Value(1)), default=Value(2))  # flag kept with the rows
    return rank_of_reach_row("project_id", *REACH_SCOPES[scope])


def _reach_ranks_sql(scopes: list[str]) -> tuple[str, tuple]:
    """CREATE TEMPORARY TABLE … AS the reach rows with their day and a `rank_<scope>` column per scope.

    One statement for all scopes: the windows all partition by the household first
    (scopes.rank_of_reach_row), so PostgreSQL sorts the rows once and then only within each household
    (incremental sorts): 13 s for 2,000,000 reach rows and seven windows, where one query per scope
    sorted them all again, 17 s each.
    """
    ranked = HouseholdReach.objects.annotate(
        reach_day=TruncDate("received_at"), **{f"rank_{scope}": _scope_rank(scope) for scope in scopes}
    ).values(
        "reach_day",
        "project_id",
        "kit_type_id",
        "kit_category",
        "site_id",
        "admin1_id",
        "admin2_id",
        *FIGURE_FIELDS,
        *(f"rank_{scope}" for scope in scopes),
    )
    inner_sql, params = ranked.query.sql_with_params()
    return f"CREATE TEMPORARY TABLE {RANKS_TABLE} AS {inner_sql}", params


def _reach_summary_rebuild_sql(scope: str) -> str:
    """INSERT … SELECT of one scope's ReachSummary rows from RANKS_TABLE: its households' first rows, summed."""
    kit_type = "kit_type_id" if scope == ReachSummary.Scope.KIT_TYPE else "NULL"
    category = "kit_category" if keeps_kit_category(scope) else "''"
    places = "site_id, admin1_id, admin2_id, displacement_status"
    grouped_kit = "".join(f"{column}, " for column in (kit_type, category) if column not in ("NULL", "''"))
    sums = ", ".join(
        [f"SUM({name})" for name in ("household_size", *SADD_FIELDS)]
        + [f"SUM(CASE WHEN {name} THEN 1 ELSE 0 END)" for name in VULNERABILITY_FIELDS]
    )
    # Only model column names and scope constants are interpolated; there is no user input.
    return f"""
        INSERT INTO {ReachSummary._meta.db_table}
            (day, project_id, scope, kit_type_id, kit_category, {places}, {", ".join(REACH_SUM_FIELDS)})
        SELECT reach_day, project_id, '{scope}', {kit_type}, {category}, {places}, COUNT(*), {sums}
        FROM {RANKS_TABLE}
        WHERE rank_{scope} = 1
        GROUP BY reach_day, project_id, {grouped_kit}{places}
    """  # noqa: S608


def rebuild_reach_summary(scopes=None) -> None:
    """Recompute ReachSummary from the reach rows (which must be exact): every scope, or only `scopes` (names).

    Call inside a transaction (the sorts' memory is set for it only).
    """
    scopes = list(REACH_SCOPES if scopes is None else scopes)
    ReachSummary.objects.filter(scope__in=scopes).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
        cursor.execute(f"DROP TABLE IF EXISTS {RANKS_TABLE}")
        cursor.execute(*_reach_ranks_sql(scopes))
        cursor.execute(f"ANALYZE {RANKS_TABLE}")  # without statistics the GROUP BYs sort instead of hashing
        for scope in scopes:
            cursor.execute(_reach_summary_rebuild_sql(scope))
        cursor.execute(f"DROP TABLE {RANKS_TABLE}")


def rebuild_rollups() -> None:
    """Recompute every roll-up (periods.ROLLUPS) from its source table (which must be exact): one GROUP BY each,
    in order, so each source is rebuilt before the roll-ups read from it."""
    with connection.cursor() as cursor:
        for rollup in ROLLUPS:
            rollup.model.objects.all().delete()
            key = [column for column in rollup.key_columns if column != "day"]
            grouped = [PERIOD_START_SQL.format(day="day"), *key] if rollup.by_period else key
            columns = ["day", *key] if rollup.by_period else key
            scopes = "WHERE scope = ANY(%s)" if rollup.scopes is not None else ""
            # Only model column names are interpolated; the scopes are a parameter.
            cursor.execute(
                f"""
                INSERT INTO {rollup.model._meta.db_table} ({", ".join(columns)}, {", ".join(rollup.sums)})
                SELECT {", ".join(grouped)}, {", ".join(f"SUM({name})" for name in rollup.sums)}
                FROM {rollup.source._meta.db_table} {scopes}
                GROUP BY {", ".join(grouped)}
                """,  # noqa: S608
                [list(rollup.scopes)] if rollup.scopes is not None else [],
            )


@transaction.atomic
def rebuild_summaries() -> dict[str, int]:
    """Recompute the three tables from the receipts, in SQL (INSERT … SELECT). Returns their row counts."""
    ReceiptSummary.objects.all().delete()
    HouseholdReach.objects.all().delete()
    select_sql, params = _summary_from_receipts().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
        cursor.execute(
            f"INSERT INTO {ReceiptSummary._meta.db_table} ({', '.join(SUMMARY_COLUMNS)}) {select_sql}", params
        )
        cursor.execute(_reach_rebuild_sql())
        cursor.execute(f"ANALYZE {HouseholdReach._meta.db_table}")  # the rows just written, for the next plans
    rebuild_reach_summary()
    rebuild_rollups()
    return {
        "summary_rows": ReceiptSummary.objects.count(),
        "reach_rows": HouseholdReach.objects.count(),
        "reach_summary_rows": ReachSummary.objects.count(),
    }
