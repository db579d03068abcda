"""Loading millions of rows at once: secondary indexes built after the rows, not row by row.

PostgreSQL's own advice for populating a database (documentation, "Populating a Database", 14.4:
"Remove Indexes", "Increase maintenance_work_mem"): building an index over rows already loaded sorts
them once, where keeping it during the load inserts each row into each index in random order. The
receipts table has sixteen indexes and the reach rows twelve; kept during a 5,000,000-receipt load
they cost more than the rows themselves.

Only indexes that back no constraint are set aside: primary keys and unique constraints stay (the
household insert's ON CONFLICT needs its unique key), and the unique indexes that are set aside are
built again before the caller's transaction commits, so a violation still refuses the whole load.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

# The index builds' sort memory (this transaction only): a 5,000,000-row index sorts in memory.
BUILD_MAINTENANCE_WORK_MEM = "1GB"


# (name, CREATE INDEX statement) of every index that backs no constraint on the tables named by the one
# parameter (a list of names in the public schema). bench/generator_bench.py sets the same indexes aside
# for its floor.
SECONDARY_INDEXES_SQL = """
    SELECT index_class.relname, pg_get_indexdef(index.indexrelid)
    FROM pg_index index
    JOIN pg_class index_class ON index_class.oid = index.indexrelid
    JOIN pg_class table_class ON table_class.oid = index.indrelid
    WHERE table_class.relname = ANY(%s) AND table_class.relnamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = index.indexrelid)
    ORDER BY table_class.relname, index_class.relname
"""


def _droppable_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of every index on `tables` that backs no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(SECONDARY_INDEXES_SQL, [tables])
        return cursor.fetchall()


@contextmanager
def deferred_indexes(*models) -> Iterator[int]:
    """Drop the constraint-free indexes of `models`' tables, run the block, then build them again.

    Must run inside a transaction (it asserts one): the drops, the rows and the builds commit together,
    so an error anywhere leaves every index as it was. Holds each table's ACCESS EXCLUSIVE lock until
    commit: for bulk loads into a database nobody else is using (the scale generator). Yields the
    number of indexes set aside.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("deferred_indexes must run inside transaction.atomic()")
    indexes = _droppable_indexes([model._meta.db_table for model in models])
    with connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield len(indexes)
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred to commit, and PostgreSQL builds no index on a table with
        # checks pending: run them now (they run all the same; later writes in the transaction check at once).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MAINTENANCE_WORK_MEM}'")
        for _name, definition in indexes:
            cursor.execute(definition)
