"""Merging each summary key's stripe rows back into one, so that the summaries' size follows their keys.

A write adds to the row of its stripe (maintain.py), so a busy key (a day's shelter kits at one site,
its week, its total) ends up with up to SUMMARY_STRIPES rows: sixteen times the rows a rebuild makes,
which every dashboard then sums. `compact_summaries` (nightly, distributions.tasks) merges them: per
key, the rows are summed into the one with the lowest id, the others deleted, and keys whose sums are
all zero (everything voided) are deleted. The figures do not change.

Safe beside writers without stopping them: rows a writer holds are skipped (FOR UPDATE SKIP LOCKED, so
the compaction never waits and never deadlocks), and a writer that found a row this deletes before its
UPDATE reached it inserts its delta in a row of its own (maintain._table_sql); a void that waited on
such a row looks again (maintain.unapply_receipt).
"""

from django.db import connection, transaction

from distributions.progress.periods import SUMMARY_TABLES, key_columns


def compact_summaries() -> dict[str, int]:
    """Merge every summary table's rows of one key into one, a table per transaction.

    Returns {table name: rows deleted}. Idempotent; the sums per key are unchanged (tests check them
    against a rebuild).
    """
    return {model._meta.db_table: compact_table(model, sums) for model, sums in SUMMARY_TABLES}


@transaction.atomic
def compact_table(model, sums: tuple[str, ...]) -> int:
    """One summary table's keys with several rows (or only zeros) merged; returns the rows deleted."""
    table, key = model._meta.db_table, ", ".join(key_columns(model, sums))
    all_zero = " AND ".join(f"{name} = 0" for name in sums)
    merged_zero = " AND ".join(f"m.{name} = 0" for name in sums)
    summed = ", ".join(f"SUM({name}) AS {name}" for name in sums)
    assigned = ", ".join(f"{name} = m.{name}" for name in sums)
    # Only the model's own table and column names are interpolated; there is no input.
    sql = f"""
        WITH candidates AS (
            SELECT id FROM (
                SELECT id, COUNT(*) OVER (PARTITION BY {key}) AS rows_of_key, ({all_zero}) AS zero FROM {table}
            ) counted
            WHERE rows_of_key > 1 OR zero
        ),
        locked AS MATERIALIZED (
            SELECT t.* FROM {table} t WHERE t.id IN (SELECT id FROM candidates) FOR UPDATE SKIP LOCKED
        ),
        merged AS (SELECT MIN(id) AS keeper, COUNT(*) AS rows_merged, {summed} FROM locked GROUP BY {key}),
        kept AS (
            UPDATE {table} t SET {assigned} FROM merged m
            WHERE t.id = m.keeper AND m.rows_merged > 1 AND NOT ({merged_zero})
            RETURNING 1
        ),
        deleted AS (
            DELETE FROM {table} t USING locked l
            WHERE t.id = l.id
              AND NOT EXISTS (SELECT 1 FROM merged m WHERE m.keeper = l.id AND NOT ({merged_zero}))
            RETURNING 1
        )
        SELECT (SELECT COUNT(*) FROM deleted), (SELECT COUNT(*) FROM kept)
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        deleted, _kept = cursor.fetchone()
    return deleted
