"""The audit trail: who changed what, when, and through which channel.

django-simple-history stores a historical row for every save of an audited model (households,
receipts, distributions and their planned kit types, projects, targets and their periods, users),
with the user taken from the request (HistoryRequestMiddleware) and the channel decided here, in one
place: AuditChannelMiddleware sets it from the path (/api/ -> api, /admin/ -> admin, other pages ->
page), every Celery task runs as `task` unless it says otherwise (the import task says `import`),
and a write outside any request or task (a management command, a shell) is a `command`.

Writes that skip model signals (QuerySet.update, bulk_update) go through `bulk_update_with_history`
below, which writes the historical rows with the same user and channel.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery.signals import task_postrun, task_prerun
from django.db import connection, models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import utils as history_utils
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


class Channel(models.TextChoices):
    PAGE = "page", _("page")
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    IMPORT = "import", _("import")
    TASK = "task", _("scheduled task")
    COMMAND = "command", _("command")


_channel: ContextVar[str | None] = ContextVar("audit_channel", default=None)
_user: ContextVar[object | None] = ContextVar("audit_user", default=None)


def current_channel() -> str:
    """The channel of the write in progress; a write outside any request or task is a command."""
    return _channel.get() or Channel.COMMAND


def current_user():
    """The user a task or command acts for, when no request says who it is."""
    return _user.get()


@contextmanager
def acting(channel: str, user=None) -> Iterator[None]:
    """Writes inside the block are recorded as made through `channel` (and by `user`, when given)."""
    channel_token = _channel.set(channel)
    user_token = _user.set(user) if user is not None else None
    try:
        yield
    finally:
        _channel.reset(channel_token)
        if user_token is not None:
            _user.reset(user_token)


def channel_for_path(path: str) -> str:
    if path.startswith("/api/"):
        return Channel.API
    if path.startswith("/admin/"):
        return Channel.ADMIN
    return Channel.PAGE


class AuditChannelMiddleware:
    """Every write during a request is recorded with the channel its path belongs to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting(channel_for_path(request.path_info)):
            return self.get_response(request)


class AuditedHistory(models.Model):
    """The abstract base of every historical model: the channel a change came through."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.COMMAND)

    class Meta:
        abstract = True


class _HistoryDescriptor(HistoryDescriptor):
    """`Model.history` with its manager class made once: django-simple-history's makes a new class
    (Manager.from_queryset, which inspects every QuerySet method) on each access, and every save of an
    audited model reads it (create_historical_record), 0.3 ms of each receipt POST."""

    def __get__(self, instance, owner):
        manager_class = self.__dict__.get("built_manager_class")
        if manager_class is None:  # a race builds it twice, to the same class
            manager_class = self.built_manager_class = self.manager_class.from_queryset(self.queryset_class)
        return manager_class(self.model, instance)


class AuditedRecords(HistoricalRecords):
    """HistoricalRecords on the AuditedHistory base; an m2m add or remove that changed nothing leaves no row."""

    def __init__(self, **options):
        super().__init__(bases=[AuditedHistory], **options)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:
            replacement = _HistoryDescriptor(
                descriptor.model, manager=descriptor.manager_class, queryset=descriptor.queryset_class
            )
            setattr(sender, self.manager_name, replacement)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if action in ("post_add", "post_remove") and not pk_set:
            return
        super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)


@receiver(pre_create_historical_record)
def _stamp_channel(sender, history_instance, **kwargs) -> None:
    if hasattr(history_instance, "channel"):
        history_instance.channel = current_channel()
    if history_instance.history_user_id is None and current_user() is not None:
        history_instance.history_user = current_user()


def bulk_update_with_history(objs: list, model: type[models.Model], fields: Iterable[str], *, user=None) -> int:
    """QuerySet-free bulk update that still leaves one historical row per object, with user and channel."""
    objs = list(objs)
    if not objs:
        return 0
    return history_utils.bulk_update_with_history(
        objs,
        model,
        list(fields),
        batch_size=500,
        default_user=user or current_user(),
        custom_historical_attrs={"channel": current_channel()},
    )


def copy_with_history(
    objs: list, model: type[models.Model], *, stamped: tuple[str, ...], user_id: int | None, change_reason: str | None
) -> None:
    """PostgreSQL: insert new instances and their history rows by COPY, ids drawn from the table's sequence.

    The rows bulk_create_with_history writes (user, channel, '+'), without the ORM's per-value
    preparation, most of its time at thousands of rows. `stamped` fields get the same now(), as
    auto_now fields would. Constraints and triggers still apply.
    """

    table, history = model._meta.db_table, model.history.model
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objs)]
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            for name in stamped:
                setattr(obj, name, now)
        fields = model._meta.concrete_fields
        copy_rows(cursor, table, [f.column for f in fields], ([getattr(o, f.attname) for f in fields] for o in objs))
        tracked = history.tracked_fields
        stamp = [now, change_reason, "+", user_id, current_channel()]
        copy_rows(
            cursor,
            history._meta.db_table,
            [f.column for f in tracked]
            + ["history_date", "history_change_reason", "history_type", "history_user_id", "channel"],
            ([getattr(o, f.attname) for f in tracked] + stamp for o in objs),
        )
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    """PostgreSQL: one COPY of the rows into the table's columns."""

    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with (
        connection.wrap_database_errors,
        cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


# Celery: a task's writes are `task` writes unless the task itself names another channel.
_task_tokens: dict[str, object] = {}


@task_prerun.connect
def _task_started(task_id=None, **kwargs) -> None:
    _task_tokens[task_id] = _channel.set(Channel.TASK)


@task_postrun.connect
def _task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _channel.reset(token)
