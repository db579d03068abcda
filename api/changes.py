"""The change feed: receipts and households in the order they last changed, for partners that mirror us.

A partner pulling `received_after=<last pull>` missed every receipt synced late from a phone and every void
of an earlier receipt (issue 18). `changed_after` turns the receipts and households lists into a feed of
every row that changed (created, edited, voided, moved by a merge, merged, anonymised) since that instant,
ordered by (`changed_at`, `id`), keyset-paginated. Each row is the record's current state: a partner applies
it over its copy (replace by id), so replaying the feed from zero reproduces our rows and totals.

`changed_at` is written by a database trigger (beneficiaries 0010, distributions 0014) in the transaction
of the change, whoever writes (services, bulk COPY, queryset updates). A transaction commits after it
stamps its rows, so a row stamped 10:00:00 may become visible only at 10:00:05, after a partner was
served 10:00:03: it would never see it. The feed therefore serves only *settled* changes: those stamped
before the start of the oldest transaction that is writing now (`settled_horizon`). The trigger takes its
transaction id before reading the clock, so a writer shows in `pg_stat_activity` from before its first
stamp. Rows past the horizon come in a later pull; none is skipped.

Resume with `changed_after` = the greatest `changed_at` you applied: `_after` includes its instant (the
API's [after, before) convention), so rows stamped at that instant come again and are applied again,
which changes nothing. From zero: `changed_after=1970-01-01T00:00:00Z`.

The horizon reads other sessions' transactions in `pg_stat_activity`: the web and worker processes must
connect as one database role (as they do), or the role needs `pg_read_all_stats`. A session left idle in a
transaction that wrote holds the horizon back (the feed waits; nothing is lost).
"""

import base64
import binascii
import datetime

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.pagination import MAX_PAGE_SIZE, KeysetPagination

FEED_PARAMETER = "changed_after"
FEED_HELP = (
    "Included: the change feed of rows created or changed (edited, voided, moved by a merge, merged, "
    "anonymised) on or after this instant, ordered by `changed_at` then `id`, each in its current state. "
    "Resume with the greatest `changed_at` you applied. Only settled changes are served (see the README, Change feed)."
)


def settled_horizon() -> datetime.datetime:
    """The instant before which every change is committed and visible: the start of the oldest transaction
    of this database writing now (other than ours), or the clock when none is. Two statements, the clock
    first: a writer that takes its transaction id after the clock is read stamps its rows after it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp(), pg_stat_clear_snapshot()")
        (clock, _cleared) = cursor.fetchone()
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database()"
        )
        (oldest,) = cursor.fetchone()
    return clock if oldest is None else min(clock, oldest)


def _encode(changed_at: datetime.datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{changed_at.isoformat()}|{pk}".encode()).decode()


def _decode(value: str) -> tuple[datetime.datetime, int]:
    try:
        changed_at, pk = base64.urlsafe_b64decode(value.encode()).decode().split("|")
        return datetime.datetime.fromisoformat(changed_at), int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        raise NotFound(gettext_lazy("Invalid cursor.")) from None


class ChangeFeedPagination(BasePagination):
    """Keyset pages on (changed_at, id), up to the settled horizon; `next` until the feed is exhausted."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = KeysetPagination.page_size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        queryset = queryset.filter(changed_at__lt=settled_horizon())
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            changed_at, pk = _decode(cursor)
            queryset = queryset.filter(Q(changed_at__gt=changed_at) | Q(changed_at=changed_at, pk__gt=pk))
        rows = list(queryset.order_by("changed_at", "pk")[: size + 1])
        self.next_position = (rows[size - 1].changed_at, rows[size - 1].pk) if len(rows) > size else None
        return rows[:size]

    def get_page_size(self, request) -> int:
        # Clamped as every list's (api/pagination.py): 1..MAX_PAGE_SIZE, never an error.
        try:
            size = int(request.query_params[self.page_size_query_param])
        except (KeyError, ValueError):
            size = self.page_size
        return max(1, min(size, MAX_PAGE_SIZE))

    def get_next_link(self) -> str | None:
        if self.next_position is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, _encode(*self.next_position))

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        return KeysetPagination().get_paginated_response_schema(schema)


class ChangeFeedMixin:
    """For a list view with a `changed_at` column: `changed_after` makes the list the change feed."""

    @property
    def paginator(self):
        request = getattr(self, "request", None)
        if request is not None and FEED_PARAMETER in request.query_params:
            if not isinstance(getattr(self, "_paginator", None), ChangeFeedPagination):
                self._paginator = ChangeFeedPagination()
            return self._paginator
        return super().paginator
