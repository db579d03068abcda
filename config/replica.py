"""Reads that may go to a PostgreSQL read replica: dashboards, progress figures, exports and report figures.

A national operation's dashboards and exports are read-heavy and can wait a second for replication;
recording a receipt cannot, and an officer must see the receipt they just recorded. So nothing is
routed to the replica by default: only code that says so, through `reading_from_replica()` (a
context manager) or `reads_from_replica` (a view decorator), reads there, and only when a replica is
configured (`DATABASE_REPLICA_URL`, settings.READ_REPLICA_ENABLED). Writes always go to "default",
even inside such a block, and migrations run on "default" only. See docs/scaling.md.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def reading_from_replica():
    """Within the block, ORM reads go to the replica when one is configured (nested blocks are fine)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def reads_from_replica(view):
    """A view decorator: the whole request's reads go to the replica (for GET pages and endpoints that never write).

    On a class-based view, use it through django.utils.decorators.method_decorator on `dispatch`.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapped


def replica_in_use() -> bool:
    """True when reads made now would go to the replica (a replica is configured and the caller asked for it)."""
    return bool(settings.READ_REPLICA_ENABLED) and _reading_from_replica.get()


class ReadReplicaRouter:
    """Django's database router for the "replica" alias (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model, **hints):
        return REPLICA if replica_in_use() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: an object read there may be related to one read here.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
