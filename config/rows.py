"""The hottest statements written once from the models' _meta, and their rows made into model instances.

The ORM compiles a statement on every call: 0.5-1 ms of Python for each look-up of a receipt POST (wide
models, joins, scope subqueries), most of its cost once PostgreSQL prepares the statements (settings,
DATABASE_OPTIONS). The few statements of that path (distributions.services, api.selectors) are built from
the models here, once per process, and their rows become the instances the ORM would have made: every
concrete field, with the fields' database converters applied, and the joined instances cached on their
foreign keys, so that reading a relation costs no query. Table and column names come from _meta, every
value is a parameter. Everything else uses the ORM.

`prepared_cursor()` runs them, and the summaries' statement of a single receipt (distributions/progress/
maintain.py), as prepared statements: PostgreSQL parses and plans each once per connection instead of on every
receipt. Only these: each is a look-up by a unique key or the rows' own ids, whose one generic plan is the plan
for every value (settings.DATABASE_PREPARE_HOT_STATEMENTS says why the rest are not prepared).
"""

from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.db import connection, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Model

# psycopg counts a statement towards preparing it only while the connection's threshold is set; one no count
# reaches, set only while a _PreparingCursor runs, prepares exactly what it is asked to. Left set, it made psycopg
# keep the text of every connection's last 100 client-side statements (a bulk's, hundreds of KB each).
_ONLY_WHEN_ASKED = 2**31 - 1


class _PreparingCursor(ServerBindingCursor):
    """Django's server-side binding cursor, preparing every statement it runs (psycopg's `prepare=True`; psycopg
    keeps the connection's last 100 and deallocates older ones) when settings.DATABASE_PREPARE_HOT_STATEMENTS."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if not settings.DATABASE_PREPARE_HOT_STATEMENTS:
            return super().execute(query, params, binary=binary)
        raw = self.connection
        threshold = raw.prepare_threshold  # None, or psycopg's when DATABASE_PREPARED_STATEMENTS prepares all
        raw.prepare_threshold = _ONLY_WHEN_ASKED if threshold is None else threshold
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        finally:
            raw.prepare_threshold = threshold

    def _convert_query(self, query, params=None):
        # psycopg keeps the statement run in `_query` only when it is not prepared; Django's debug cursor reads it
        # there (connection.queries, CaptureQueriesContext), so keep it for prepared ones too: its text with $1...
        self._query = converted = super()._convert_query(query, params)
        return converted


@contextmanager
def prepared_cursor(using: str = "default"):
    """A cursor of connection `using` whose statements PostgreSQL keeps prepared, made as Django makes its own
    (the connection's health check, errors as django.db errors, the time zone's loader, statements in
    connection.queries and CaptureQueriesContext).

    Parameters are bound on the server: a statement must cast a parameter whose type PostgreSQL cannot infer.
    psycopg deallocates every prepared statement when a transaction or savepoint rolls back (DEALLOCATE ALL): a
    refused receipt's next one prepares them again, and PgBouncer in transaction mode must be 1.22 or later with
    max_prepared_statements set, or DATABASE_PREPARE_HOT_STATEMENTS false (then nothing is prepared).
    """
    wrapper = connections[using]
    wrapper.close_if_health_check_failed()  # as Django's own cursor(): a connection the server dropped is replaced
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors:
        raw = wrapper.connection
        factory, raw.cursor_factory = raw.cursor_factory, _PreparingCursor
        try:
            cursor = wrapper._prepare_cursor(wrapper.create_cursor())
        finally:
            raw.cursor_factory = factory
    try:
        yield cursor
    finally:
        cursor.close()


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    """The quoted column of the field `name` (a foreign key's is its `_id` column)."""
    return quote(model._meta.get_field(name).column)


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of `model` under the table alias `alias`, in the order instances() reads them."""
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


@cache
def _reading(model: type[Model]) -> tuple[list[str], int, list[tuple[int, list]]]:
    """The attribute names of `model`'s concrete fields, the primary key's position among them, and (position,
    converters) where a field has any."""
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        found = connection.ops.get_db_converters(field.get_col(model._meta.db_table)) + field.get_db_converters(
            connection
        )
        if found:
            converters.append((index, found))
    return [field.attname for field in fields], fields.index(model._meta.pk), converters


def instance(model: type[Model], values) -> Model | None:
    """An instance of `model` from its columns' values (columns() order); None for a LEFT JOIN's missing row."""
    names, pk, converters = _reading(model)
    if values[pk] is None:
        return None
    if converters:
        values = list(values)
        field = model._meta.concrete_fields
        for index, functions in converters:
            for convert in functions:
                values[index] = convert(values[index], field[index], connection)
    return model.from_db(connection.alias, names, values)


def instances(row, *models: type[Model]) -> list[Model | None]:
    """Split a row selecting columns() of each of `models`, in that order, into their instances."""
    found, start = [], 0
    for model in models:
        end = start + len(model._meta.concrete_fields)
        found.append(instance(model, row[start:end]))
        start = end
    return found


def attach(instance: Model, name: str, related: Model | None) -> None:
    """Cache `related` as `instance`'s foreign key `name`, as select_related does (no query when it is read)."""
    instance._meta.get_field(name).set_cached_value(instance, related)
