"""Keeping the progress summaries exact, in the transaction that records, voids or moves receipts.

`ReceiptSummary` holds kits per day and dimension; `HouseholdReach` holds each household's first
active receipt of a kit type in a project; `ReachSummary` counts, per day, the households whose
first receipt within a scope (distributions/progress/scopes.py) falls on that day.

Three entry points, one per kind of write, all called by distributions/services.py (and the
household merge) inside their transaction, with the households' rows locked there (so the reach
rows of one household never race):

* `apply_receipts(receipts)`: newly recorded receipts, one or a batch, in two to four statements
  whatever their number (the reach rows read, and written if they move; the summaries in one);
* `unapply_receipt(receipt)`: a receipt just voided;
* `recount_households_reach(household_ids)`: receipts moved between households (a merge), and the
  reach part of a void.

distributions/progress/rebuild.py recomputes all three tables from the receipts alone; a test checks
the maintained tables against it after every kind of write.
"""

from collections import Counter, defaultdict
from functools import cache, lru_cache

from django.db import connections, router
from django.db.models import F, Model
from django.utils import timezone

import config.rows as rows
from distributions.models import (
    SUMMARY_STRIPES,
    HouseholdReach,
    ReachSummary,
    Receipt,
    ReceiptSummary,
)
from distributions.progress.periods import KIT_ROLLUPS, KIT_SUMS, REACH_ROLLUPS, Rollup, period_start
from distributions.progress.scopes import (
    FIGURE_FIELDS,
    REACH_COLUMNS,
    REACH_SUM_FIELDS,
    RECEIPT_ORDER,
    earliest,
    first_receipt_key,
    reach_contribution,
    receipt_key,
)

# Deltas to add to one summary table: (model, {key: counts}, the summed fields).
Change = tuple[type[Model], dict[tuple, Counter], tuple[str, ...]]


def _summary_key(receipt: Receipt) -> dict:
    return {
        "day": timezone.localdate(receipt.received_at),
        "project_id": receipt.distribution.project_id,
        "distribution_id": receipt.distribution_id,
        "site_id": receipt.site_id,
        "admin1_id": receipt.admin1_id,
        "admin2_id": receipt.admin2_id,
        "kit_type_id": receipt.kit_type_id,
        "kit_category": receipt.kit_type.category,
        "displacement_status": receipt.displacement_status,
    }


def _reach_row(receipt: Receipt) -> dict:
    """The reach-row columns (project and household apart) when this receipt is the first of its kit type."""
    return {
        "kit_type_id": receipt.kit_type_id,
        "kit_category": receipt.kit_type.category,
        "first_receipt_id": receipt.pk,
        "received_at": receipt.received_at,
        "distribution_id": receipt.distribution_id,
        "site_id": receipt.site_id,
        "admin1_id": receipt.admin1_id,
        "admin2_id": receipt.admin2_id,
        **{name: getattr(receipt, name) for name in FIGURE_FIELDS},
    }


def apply_receipts(receipts: list[Receipt]) -> None:
    """Count newly recorded receipts: a list of one or many, saved, with their distribution and kit type attached.

    Call inside the transaction that created them, with their households locked. A late receipt (offline
    sync) for an earlier moment becomes its household's first.
    """
    kits: dict[tuple, Counter] = defaultdict(Counter)
    for receipt in receipts:
        key = kits[tuple(_summary_key(receipt).items())]
        key["receipts"] += 1
        key["kits"] += receipt.quantity
    stripe = _stripe(receipts[0].household_id) if receipts else 0
    reach = _move_reach_rows(receipts)
    # A single receipt's statement has one shape per kind of receipt (first or not): prepared, PostgreSQL plans
    # it once per connection (a third of its CPU for a receipt POST). A batch's shapes vary with its keys.
    _add_to_rows([*_kit_changes(kits), *_reach_changes(reach)], stripe, prepare=len(receipts) == 1)


def _kit_changes(deltas: dict[tuple, Counter]) -> list[Change]:
    """Kit deltas for ReceiptSummary and for each of its roll-ups (periods.KIT_ROLLUPS)."""
    return [(ReceiptSummary, deltas, KIT_SUMS), *(_rolled_up(deltas, rollup) for rollup in KIT_ROLLUPS)]


def _reach_changes(deltas: dict[tuple, Counter]) -> list[Change]:
    """Reach deltas for ReachSummary and for each of its roll-ups (periods.REACH_ROLLUPS)."""
    return [(ReachSummary, deltas, REACH_SUM_FIELDS), *(_rolled_up(deltas, rollup) for rollup in REACH_ROLLUPS)]


def _rolled_up(deltas: dict[tuple, Counter], rollup: Rollup) -> Change:
    """The per-day deltas keyed as `rollup` is: by roll-up period's first day (periods.py) or without the day,
    without the columns it lacks, and only the scopes it keeps."""
    keep = set(rollup.key_columns)
    rolled: dict[tuple, Counter] = defaultdict(Counter)
    for key, counts in deltas.items():
        if rollup.scopes is not None and dict(key)["scope"] not in rollup.scopes:
            continue
        rolled_key = ((name, period_start(value) if name == "day" else value) for name, value in key if name in keep)
        rolled[tuple(rolled_key)].update(counts)
    return rollup.model, rolled, rollup.sums


def _stripe(household_id: int) -> int:
    """The summary rows' stripe a write adds to: officers at one distribution record different households,
    so their transactions mostly update different rows (ReceiptSummary.stripe). Deterministic, for tests."""
    return household_id % SUMMARY_STRIPES


def unapply_receipt(receipt: Receipt) -> None:
    """Stop counting a receipt that was just voided. Call inside the voiding transaction.

    Raises RuntimeError when no summary row counts it (the summaries then need a rebuild).
    """
    key = _summary_key(receipt)
    counting = ReceiptSummary.objects.filter(**key, receipts__gte=1, kits__gte=receipt.quantity).order_by("-receipts")
    row = counting.select_for_update().first()
    if row is None:
        # The row it waited for may have been merged into another by compact.py: a new statement sees that one.
        row = counting.select_for_update().first()
    if row is None:
        raise RuntimeError(f"The progress summary has no row counting receipt {receipt.pk}: rebuild it.")
    ReceiptSummary.objects.filter(pk=row.pk).update(receipts=F("receipts") - 1, kits=F("kits") - receipt.quantity)
    # The roll-up has a row of this key (it counted the receipt); the subtraction goes to one of them.
    voided = {tuple(key.items()): Counter(receipts=-1, kits=-receipt.quantity)}
    _add_to_rows(_kit_changes(voided)[1:], _stripe(receipt.household_id))
    if HouseholdReach.objects.filter(first_receipt=receipt).exists():
        # It was its household's first of its kit type: the next active one (if any) takes over.
        recount_households_reach([receipt.household_id])


def _add_to_rows(changes: list[Change], stripe: int, prepare: bool = False) -> None:
    """Add each key's deltas to one summary row of the key (readers sum, so any one will do), or insert one.

    `changes`: per table, {key: counts}, a key being ((column name, value), ...) of the model's key columns.
    The row of the key in `stripe` is preferred (concurrent writers of one key then lock different rows),
    else any row of the key (a subtraction need not create a row), else a row is inserted in `stripe`.
    Only one row is updated even if a race once inserted two for a key: updating all of them would count
    the delta twice. One statement for all the tables (_table_sql); the tables' rows are updated in the
    order of `changes`, so that every writer locks summary rows in the same order. `prepare`: run it as a
    prepared statement (config.rows.prepared_cursor; its plan is point look-ups by key, the same for any values).
    """
    changes = [
        (model, {key: counts for key, counts in deltas.items() if any(counts.values())}, fields)
        for model, deltas, fields in changes
    ]
    changes = [change for change in changes if change[1]]
    if not changes:
        return
    connection = connections[router.db_for_write(changes[0][0])]
    parts: list[str] = []
    params: list = []
    for index, (model, deltas, fields) in enumerate(changes):
        key_names = tuple(name for name, _value in next(iter(deltas)))
        shape = (connection.alias, index, model, key_names, fields, len(deltas))
        # A single receipt's few shapes are kept; a batch's, long and each unlike the next, are not.
        parts.append(_cached_table_sql(*shape) if len(deltas) <= 8 else _table_sql(*shape))
        for key, counts in deltas.items():
            params += [value for _name, value in key] + [counts[field_name] for field_name in fields]
            params.append(any(value < 0 for value in counts.values()))  # a subtraction may go to any stripe's row
        params += [stripe, stripe, stripe]
    with rows.prepared_cursor(connection.alias) if prepare else connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT 1", params)


def _table_sql(alias: str, index: int, model, key_names: tuple, fields: tuple, count: int) -> str:
    """The common table expressions adding `count` deltas to `model`'s rows, named t`index`_…; their parameters:
    per delta, its key's values (`key_names`), its sums (`fields`) and whether any is negative; then the stripe
    three times. A single receipt's shapes are built once (_cached_table_sql): building them took a tenth of
    a receipt POST's Python.

    The deltas as a VALUES list; each with its row's id (a point lookup on the table's key index; NULL when
    the key has no row to take the delta); an UPDATE of those rows and an INSERT of the other keys' rows.
    The rows of the table before (t`index - 1`) are updated first. A row found but gone by the time of the
    UPDATE (merged away by compact.py, which committed in between: the UPDATE then skips it) has its delta
    inserted in a row of its own, so no delta is ever lost.
    Table and column names come from the model's _meta. (The ORM took a read, an UPDATE with a CASE per
    row and an INSERT per table, whose compiling was a third of a receipt POST's Python time.)
    """
    connection = connections[alias]
    name, after = f"t{index}", f"t{index - 1}_update" if index else None
    opts, quote = model._meta, connection.ops.quote_name
    key_fields = [opts.get_field(key_name) for key_name in key_names]
    sum_fields = [opts.get_field(field_name) for field_name in fields]
    columns = [quote(field.column) for field in key_fields + sum_fields]
    row = "(" + ", ".join(f"%s::{field.cast_db_type(connection)}" for field in key_fields + sum_fields) + ", %s)"
    same_key = " AND ".join(
        f"t.{quote(field.column)} {'IS NOT DISTINCT FROM' if field.null else '='} d.{quote(field.column)}"
        for field in key_fields
    )
    table, pk, stripe_column = quote(opts.db_table), quote(opts.pk.column), quote(opts.get_field("stripe").column)
    keys = ", ".join(columns[: len(key_fields)])
    sums = ", ".join(columns[len(key_fields) :])
    added = ", ".join(f"{column} = t.{column} + x.{column}" for column in columns[len(key_fields) :])
    ordered = f", (SELECT count(*) FROM {after}) AS {name}_after" if after else ""  # noqa: S608 - as below
    return f"""
        {name}_delta ({keys}, {sums}, any_stripe) AS (VALUES {", ".join([row] * count)}),
        {name}_target AS (
            SELECT d.*, (
                SELECT t.{pk} FROM {table} t
                WHERE {same_key} AND (t.{stripe_column} = %s OR d.any_stripe)
                ORDER BY t.{stripe_column} <> %s, t.{pk} LIMIT 1
            ) AS row_id
            FROM {name}_delta d{ordered}
        ),
        {name}_update AS (
            UPDATE {table} t SET {added} FROM {name}_target x WHERE t.{pk} = x.row_id RETURNING t.{pk} AS row_id
        ),
        {name}_insert AS (
            INSERT INTO {table} ({keys}, {sums}, {stripe_column})
            SELECT {keys}, {sums}, %s FROM {name}_target x
            WHERE x.row_id IS NULL OR NOT EXISTS (SELECT 1 FROM {name}_update u WHERE u.row_id = x.row_id)
        )"""  # noqa: S608 - the models' own table and column names; every value a parameter


_cached_table_sql = lru_cache(maxsize=512)(_table_sql)


def _stored_reach_rows(household_ids, project_ids=None) -> dict[tuple, list[dict]]:
    """The stored reach rows of these households (in these projects, when given), per (project id, household id).

    A statement built once (config/rows.py) and prepared: the ORM's `.values()` compiled it on every receipt.
    """
    stored: dict[tuple, list[dict]] = defaultdict(list)
    params = [sorted(household_ids)] if project_ids is None else [sorted(household_ids), sorted(project_ids)]
    with rows.prepared_cursor(router.db_for_write(HouseholdReach)) as cursor:
        cursor.execute(_stored_reach_sql(project_ids is not None), params)
        for values in cursor.fetchall():
            row = dict(zip(_STORED_REACH_NAMES, values, strict=True))
            stored[(row["project_id"], row["household_id"])].append(row)
    return stored


_STORED_REACH_NAMES = ("pk", "is_household_first", *REACH_COLUMNS)


@cache
def _stored_reach_sql(in_projects: bool) -> str:
    """_stored_reach_rows' statement; parameters: the household ids, then (`in_projects`) the project ids."""
    names = [HouseholdReach._meta.pk.name if name == "pk" else name for name in _STORED_REACH_NAMES]
    where = f"{rows.column(HouseholdReach, 'household')} = ANY(%s::bigint[])"
    if in_projects:
        where += f" AND {rows.column(HouseholdReach, 'project')} = ANY(%s::bigint[])"
    selected = ", ".join(rows.column(HouseholdReach, name) for name in names)
    return f"SELECT {selected} FROM {rows.table(HouseholdReach)} WHERE {where}"  # noqa: S608 - _meta's names


def _contribution_moves(project_id: int, before: list[dict], after: list[dict], deltas: dict) -> None:
    """Add to `deltas` what moving a household from its reach rows `before` to `after` changes in ReachSummary."""
    old, new = reach_contribution(project_id, before), reach_contribution(project_id, after)
    for key in old.keys() | new.keys():
        deltas[key].update(new[key])
        deltas[key].subtract(old[key])


def _move_reach_rows(receipts: list[Receipt]) -> dict[tuple, Counter]:
    """Move the batch's households' reach rows and first flags; return the ReachSummary deltas."""
    by_household: dict[tuple, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        by_household[(receipt.distribution.project_id, receipt.household_id)].append(receipt)
    stored = _stored_reach_rows(
        {household for _project, household in by_household}, {project for project, _household in by_household}
    )
    created, changed = [], []
    deltas: dict[tuple, Counter] = defaultdict(Counter)
    for (project_id, household_id), new_receipts in by_household.items():
        before = stored[(project_id, household_id)]
        after = _reach_rows_after(before, new_receipts)
        if after is None:
            continue  # the household's reach rows did not move
        _flag_household_first(after)
        for row in after:
            if row["pk"] is None:
                created.append(HouseholdReach(**{n: v for n, v in row.items() if n != "pk"}))
            elif row not in before:
                changed.append(HouseholdReach(**row))
        _contribution_moves(project_id, before, after, deltas)
    HouseholdReach.objects.bulk_create(created)
    moved = [name.removesuffix("_id") for name in REACH_COLUMNS if name not in ("project_id", "household_id")]
    HouseholdReach.objects.bulk_update(changed, [*moved, "is_household_first"])
    return deltas


def _reach_rows_after(before: list[dict], new_receipts: list[Receipt]) -> list[dict] | None:
    """A household's reach rows once the new receipts count (a late receipt for an earlier moment
    becomes the first); None when none of them is a first."""
    after = {row["kit_type_id"]: dict(row) for row in before}
    moved = False
    for receipt in new_receipts:
        row = after.get(receipt.kit_type_id)
        if row is None or receipt_key(receipt) < first_receipt_key(row):
            project_id, household_id = receipt.distribution.project_id, receipt.household_id
            base = row or {"pk": None, "project_id": project_id, "household_id": household_id}
            after[receipt.kit_type_id] = {**base, **_reach_row(receipt)}
            moved = True
    return list(after.values()) if moved else None


def _flag_household_first(rows: list[dict]) -> None:
    """The earliest row (any kit type) carries is_household_first: the household's first receipt in the project."""
    first = earliest(rows)
    for row in rows:
        row["is_household_first"] = row is first


def recount_households_reach(household_ids: list[int]) -> None:
    """Recompute these households' reach rows from their active receipts, and move ReachSummary.

    For writes that take a first receipt away (a void) or move receipts between households (a merge):
    the kits do not move (ReceiptSummary has no household), but who was reached first, and when, may.
    Call inside the transaction that changed them, with the households locked.
    """
    before = _stored_reach_rows(household_ids)
    firsts: dict[tuple, dict] = {}
    active = (
        Receipt.objects.filter(household_id__in=household_ids, voided_at__isnull=True)
        .select_related("distribution", "kit_type")
        .order_by(*RECEIPT_ORDER)
    )
    for receipt in active:
        key = (receipt.distribution.project_id, receipt.household_id, receipt.kit_type_id)
        firsts.setdefault(key, {"project_id": key[0], "household_id": key[1], **_reach_row(receipt)})
    after: dict[tuple, list[dict]] = defaultdict(list)
    for row in firsts.values():
        after[(row["project_id"], row["household_id"])].append(row)
    deltas: dict[tuple, Counter] = defaultdict(Counter)
    for project_id, household_id in before.keys() | after.keys():
        rows_after = after[(project_id, household_id)]
        if rows_after:
            _flag_household_first(rows_after)
        _contribution_moves(project_id, before[(project_id, household_id)], rows_after, deltas)
    HouseholdReach.objects.filter(household_id__in=household_ids).delete()
    HouseholdReach.objects.bulk_create(HouseholdReach(**row) for row in firsts.values())
    _add_to_rows(_reach_changes(deltas), _stripe(min(household_ids)) if household_ids else 0)
