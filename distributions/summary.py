"""The progress summaries, kept exact in the transaction that records or voids a receipt.

`ReceiptSummary` holds kits per day and dimension; `HouseholdReach` holds each household's
first active receipt of a kit type in a project; `ReachSummary` counts, per day, the households
whose first receipt (within a scope: project, kit type, category, area, site) falls on that day.
`apply_receipt` and `unapply_receipt` are called by distributions/services.py inside its
transaction (the household row is locked there, so reach rows of one household never race).
`rebuild_summaries` recomputes all three from the receipts alone, for `manage.py
rebuild_progress_summary`, bulk loads and the test that checks the maintained tables against a
rebuild.
"""

from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Case, Count, F, Sum, Value, When, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS
from distributions.models import (
    FIRST_RECEIPT_ORDER,
    REACH_FIGURES,
    REACH_SCOPES,
    HouseholdReach,
    ReachSummary,
    Receipt,
    ReceiptSummary,
    first_receipt_key,
)

FIGURE_FIELDS = ("household_size", "displacement_status", *SADD_FIELDS, *VULNERABILITY_FIELDS)


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


def _reach_values(receipt: Receipt) -> dict:
    return {
        "kit_category": receipt.kit_type.category,
        "first_receipt": receipt,
        "received_at": receipt.received_at,
        "distribution_id": receipt.distribution_id,
        "site_id": receipt.site_id,
        "admin1_id": receipt.admin1_id,
        "admin2_id": receipt.admin2_id,
        **{name: getattr(receipt, name) for name in FIGURE_FIELDS},
    }


def apply_receipt(receipt: Receipt) -> None:
    """Count a newly recorded receipt. Call inside the transaction that created it."""
    key = _summary_key(receipt)
    _add_to_one_row(ReceiptSummary, key, {"receipts": 1, "kits": receipt.quantity})
    reached_before = _household_reach_rows(key["project_id"], receipt.household_id)
    reach = HouseholdReach.objects.filter(
        project_id=key["project_id"], household_id=receipt.household_id, kit_type_id=receipt.kit_type_id
    ).first()
    if reach is None:
        HouseholdReach.objects.create(
            project_id=key["project_id"],
            household_id=receipt.household_id,
            kit_type_id=receipt.kit_type_id,
            **_reach_values(receipt),
        )
    elif (receipt.received_at, receipt.pk) < first_receipt_key(reach):
        # A receipt recorded late (offline sync) for an earlier moment becomes the first one.
        HouseholdReach.objects.filter(pk=reach.pk).update(**_reach_values(receipt))
    else:
        return  # the household's reach rows did not move
    _mark_household_first(key["project_id"], receipt.household_id)
    _move_reach_summary(key["project_id"], receipt.household_id, reached_before)


def _mark_household_first(project_id: int, household_id: int) -> None:
    """Flag the household's earliest reach row in the project (same order as the engine's window)."""
    rows = HouseholdReach.objects.filter(project_id=project_id, household_id=household_id)
    first = rows.order_by(*FIRST_RECEIPT_ORDER).values_list("pk", flat=True).first()
    rows.filter(is_household_first=True).exclude(pk=first).update(is_household_first=False)
    if first is not None:
        rows.filter(pk=first, is_household_first=False).update(is_household_first=True)


def unapply_receipt(receipt: Receipt) -> None:
    """Stop counting a receipt that was just voided. Call inside the voiding transaction."""
    key = _summary_key(receipt)
    row = (
        ReceiptSummary.objects.select_for_update()
        .filter(**key, receipts__gte=1, kits__gte=receipt.quantity)
        .order_by("-receipts")
        .first()
    )
    if row is None:
        raise RuntimeError(f"The progress summary has no row counting receipt {receipt.pk}: rebuild it.")
    ReceiptSummary.objects.filter(pk=row.pk).update(receipts=F("receipts") - 1, kits=F("kits") - receipt.quantity)
    reach = HouseholdReach.objects.filter(first_receipt=receipt).first()
    if reach is None:
        return
    reached_before = _household_reach_rows(reach.project_id, reach.household_id)
    next_first = (
        Receipt.objects.select_related("kit_type")
        .filter(
            distribution__project_id=reach.project_id,
            household_id=reach.household_id,
            kit_type_id=reach.kit_type_id,
            voided_at__isnull=True,
        )
        .exclude(pk=receipt.pk)
        .order_by("received_at", "pk")
        .first()
    )
    if next_first is None:
        reach.delete()
    else:
        HouseholdReach.objects.filter(pk=reach.pk).update(**_reach_values(next_first))
    _mark_household_first(reach.project_id, reach.household_id)
    _move_reach_summary(reach.project_id, reach.household_id, reached_before)


def _add_to_one_row(model, key: dict, deltas: dict) -> None:
    """Add to one summary row of the key (readers sum, so any one will do), or insert one.

    Only one row is updated even if a race once inserted two for the key: updating all of
    them would count the delta twice.
    """
    one_row = model.objects.filter(**key).order_by("pk").values("pk")[:1]
    changes = {name: F(name) + delta for name, delta in deltas.items()}
    if not model.objects.filter(pk__in=one_row).update(**changes):
        model.objects.create(**key, **deltas)


# --- reach per day: where each household is counted once, for each scope --------------------------

REACH_SUM_FIELDS = REACH_FIGURES  # the summed columns of ReachSummary
_REACH_ROW_FIELDS = (
    "received_at",
    "first_receipt_id",
    "kit_type_id",
    "kit_category",
    "site_id",
    "admin1_id",
    "admin2_id",
    *FIGURE_FIELDS,
)


def _household_reach_rows(project_id: int, household_id: int) -> list[dict]:
    return list(
        HouseholdReach.objects.filter(project_id=project_id, household_id=household_id).values(*_REACH_ROW_FIELDS)
    )


def _reach_summary_key(project_id: int, scope: str, row: dict) -> tuple:
    return (
        ("day", timezone.localdate(row["received_at"])),
        ("project_id", project_id),
        ("scope", scope),
        ("kit_type_id", row["kit_type_id"] if scope == ReachSummary.Scope.KIT_TYPE else None),
        ("kit_category", row["kit_category"] if scope in (ReachSummary.Scope.KIT_TYPE, "category") else ""),
        ("site_id", row["site_id"]),
        ("admin1_id", row["admin1_id"]),
        ("admin2_id", row["admin2_id"]),
        ("displacement_status", row["displacement_status"]),
    )


def _reach_contribution(project_id: int, rows: list[dict]) -> dict[tuple, Counter]:
    """What one household adds to ReachSummary: per scope, its first row within each scope value."""
    contribution: dict[tuple, Counter] = defaultdict(Counter)
    for scope, column in REACH_SCOPES.items():
        firsts: dict = {}
        for row in rows:
            scope_value = row[column] if column else None
            order = first_receipt_key(row)
            if scope_value not in firsts or order < firsts[scope_value][0]:
                firsts[scope_value] = (order, row)
        for _order, row in firsts.values():
            figures = contribution[_reach_summary_key(project_id, scope, row)]
            figures["households"] += 1
            figures["individuals"] += row["household_size"]
            for name in SADD_FIELDS:
                figures[name] += row[name]
            for name in VULNERABILITY_FIELDS:
                figures[name] += int(row[name])
    return contribution


def _move_reach_summary(project_id: int, household_id: int, rows_before: list[dict]) -> None:
    """Take the household's old contribution out of ReachSummary and put its new one in."""
    before = _reach_contribution(project_id, rows_before)
    after = _reach_contribution(project_id, _household_reach_rows(project_id, household_id))
    for key in before.keys() | after.keys():
        deltas = {name: after[key][name] - before[key][name] for name in REACH_SUM_FIELDS}
        if any(deltas.values()):
            _add_to_one_row(ReachSummary, dict(key), deltas)


# --- the bulk path: a batch of new receipts counted in a constant number of statements -------------


def apply_receipts(receipts: list[Receipt]) -> None:
    """Count newly recorded receipts (saved, with their distribution and kit type attached) set-based.

    The same end state as apply_receipt on each, in about eight statements whatever their number.
    Call inside the transaction that created them, with their households locked.
    """
    kits: dict[tuple, Counter] = defaultdict(Counter)
    for receipt in receipts:
        key = kits[tuple(_summary_key(receipt).items())]
        key["receipts"] += 1
        key["kits"] += receipt.quantity
    _add_to_rows(ReceiptSummary, kits, ("receipts", "kits"))
    _add_to_rows(ReachSummary, _move_reach_rows(receipts), REACH_SUM_FIELDS)


def _add_to_rows(model, deltas: dict[tuple, Counter], fields: tuple[str, ...]) -> None:
    """_add_to_one_row for many keys: one read, one UPDATE of a row per known key, one INSERT of the others."""
    deltas = {key: counts for key, counts in deltas.items() if any(counts.values())}
    if not deltas:
        return
    names = [name for name, _value in next(iter(deltas))]
    keys = [dict(key) for key in deltas]
    candidates = model.objects.filter(
        **{f"{name}__in": {key[name] for key in keys} for name in ("project_id", "day", "site_id")}
    ).order_by("pk")
    first_row: dict[tuple, int] = {}
    for row in candidates.values("pk", *names):
        first_row.setdefault(tuple((name, row[name]) for name in names), row["pk"])
    known = [
        model(pk=first_row[key], **{name: F(name) + counts[name] for name in fields})
        for key, counts in deltas.items()
        if key in first_row
    ]
    model.objects.bulk_update(known, fields)
    fresh = [model(**dict(key), **{name: counts[name] for name in fields}) for key, counts in deltas.items()]
    model.objects.bulk_create([row for row, key in zip(fresh, deltas, strict=True) if key not in first_row])


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


def _move_reach_rows(receipts: list[Receipt]) -> dict[tuple, Counter]:
    """Move the batch's households' reach rows and first flags; return the ReachSummary deltas."""
    by_household: dict[tuple, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        by_household[(receipt.distribution.project_id, receipt.household_id)].append(receipt)
    stored: dict[tuple, list[dict]] = defaultdict(list)
    rows = HouseholdReach.objects.filter(
        project_id__in={project for project, _household in by_household},
        household_id__in={household for _project, household in by_household},
    )
    for row in rows.values("pk", "is_household_first", *REACH_COLUMNS):
        stored[(row["project_id"], row["household_id"])].append(row)
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
        old, new = _reach_contribution(project_id, before), _reach_contribution(project_id, after)
        for key in old.keys() | new.keys():
            deltas[key].update(new[key])
            deltas[key].subtract(old[key])
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
        if row is None or (receipt.received_at, receipt.pk) < first_receipt_key(row):
            project_id, household_id = receipt.distribution.project_id, receipt.household_id
            base = row or {"pk": None, "project_id": project_id, "household_id": household_id}
            after[receipt.kit_type_id] = {**base, **_reach_row(receipt)}
            moved = True
    return list(after.values()) if moved else None


def _flag_household_first(rows: list[dict]) -> None:
    """The earliest row (any kit type) carries is_household_first, as _mark_household_first does."""
    first = min(rows, key=first_receipt_key)
    for row in rows:
        row["is_household_first"] = row is first


def recount_households_reach(household_ids: list[int]) -> None:
    """Recompute these households' reach rows from their active receipts, and move ReachSummary.

    For writes that move receipts between households (a merge): the receipts' kits do not move
    (ReceiptSummary has no household), but who was reached first, and when, may. Call inside the
    transaction that moved them, with the households locked.
    """
    stored = HouseholdReach.objects.filter(household_id__in=household_ids)
    before: dict[tuple, list[dict]] = defaultdict(list)
    for row in stored.values("pk", "is_household_first", *REACH_COLUMNS):
        before[(row["project_id"], row["household_id"])].append(row)
    firsts: dict[tuple, dict] = {}
    active = (
        Receipt.objects.filter(household_id__in=household_ids, voided_at__isnull=True)
        .select_related("distribution", "kit_type")
        .order_by("received_at", "pk")
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
        old = _reach_contribution(project_id, before[(project_id, household_id)])
        new = _reach_contribution(project_id, rows_after)
        for key in old.keys() | new.keys():
            deltas[key].update(new[key])
            deltas[key].subtract(old[key])
    stored.delete()
    HouseholdReach.objects.bulk_create(HouseholdReach(**row) for row in firsts.values())
    _add_to_rows(ReachSummary, deltas, REACH_SUM_FIELDS)


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


REACH_COLUMNS = (
    "project_id",
    "household_id",
    "kit_type_id",
    "kit_category",
    "first_receipt_id",
    "received_at",
    "distribution_id",
    "site_id",
    "admin1_id",
    "admin2_id",
    *FIGURE_FIELDS,
)


def _reach_rebuild_sql() -> str:
    receipt, distribution, kit_type = (
        Receipt._meta.db_table,
        "distributions_distribution",
        "kits_kittype",
    )
    figures = ", ".join(f"r.{name}" for name in FIGURE_FIELDS)
    # Only table and column names from the models are interpolated; there is no user input.
    return f"""
        INSERT INTO {HouseholdReach._meta.db_table} ({", ".join(REACH_COLUMNS)}, is_household_first)
        SELECT {", ".join(REACH_COLUMNS)}, FALSE FROM (
            SELECT d.project_id, r.household_id, r.kit_type_id, k.category AS kit_category,
                   r.id AS first_receipt_id, r.received_at, r.distribution_id, r.site_id, r.admin1_id,
                   r.admin2_id, {figures},
                   ROW_NUMBER() OVER (
                       PARTITION BY d.project_id, r.household_id, r.kit_type_id ORDER BY r.received_at, r.id
                   ) AS rank_in_household
            FROM {receipt} r
            JOIN {distribution} d ON d.id = r.distribution_id
            JOIN {kit_type} k ON k.id = r.kit_type_id
            WHERE r.voided_at IS NULL
        ) firsts
        WHERE rank_in_household = 1
    """  # noqa: S608


FLAG_FIRSTS_SQL = f"""
    UPDATE distributions_householdreach SET is_household_first = TRUE
    WHERE id IN (
        SELECT id FROM (
            SELECT id, ROW_NUMBER() OVER (
                PARTITION BY project_id, household_id ORDER BY {", ".join(FIRST_RECEIPT_ORDER)}
            ) AS rank_in_household
            FROM distributions_householdreach
        ) ranked
        WHERE rank_in_household = 1
    )
"""  # noqa: S608 (a constant's column names)

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


def _reach_summary_rebuild_sql(scope: str) -> tuple[str, tuple]:
    """INSERT … SELECT of one scope's ReachSummary rows from the (rebuilt) reach rows, by a window."""
    column = REACH_SCOPES[scope]
    if scope == ReachSummary.Scope.KIT_TYPE:
        rank = Value(1)  # every reach row is its household's first of its kit type
    elif scope == ReachSummary.Scope.PROJECT:
        rank = Case(When(is_household_first=True, then=Value(1)), default=Value(2))  # flag rebuilt just before
    else:
        rank = Window(
            RowNumber(),
            partition_by=[F("project_id"), F("household_id"), F(column)],
            order_by=list(FIRST_RECEIPT_ORDER),
        )
    firsts = HouseholdReach.objects.annotate(reach_day=TruncDate("received_at"), rank_in_scope=rank).values(
        "reach_day",
        "project_id",
        "kit_type_id",
        "kit_category",
        "site_id",
        "admin1_id",
        "admin2_id",
        *FIGURE_FIELDS,
        "rank_in_scope",
    )
    inner_sql, params = firsts.query.sql_with_params()
    kit_type = "kit_type_id" if scope == ReachSummary.Scope.KIT_TYPE else "NULL"
    category = "kit_category" if scope in (ReachSummary.Scope.KIT_TYPE, "category") else "''"
    places = "site_id, admin1_id, admin2_id, displacement_status"
    grouped_kit = {"kit_type_id": "kit_type_id, kit_category, ", "NULL": ""}[kit_type]
    if scope == ReachSummary.Scope.KIT_CATEGORY:
        grouped_kit = "kit_category, "
    sums = ", ".join(
        [f"SUM({name})" for name in ("household_size", *SADD_FIELDS)]
        + [f"SUM(CASE WHEN {name} THEN 1 ELSE 0 END)" for name in VULNERABILITY_FIELDS]
    )
    # Only model column names and scope constants are interpolated; there is no user input.
    sql = f"""
        INSERT INTO {ReachSummary._meta.db_table}
            (day, project_id, scope, kit_type_id, kit_category, {places}, {", ".join(REACH_SUM_FIELDS)})
        SELECT reach_day, project_id, '{scope}', {kit_type}, {category}, {places}, COUNT(*), {sums}
        FROM ({inner_sql}) firsts
        WHERE rank_in_scope = 1
        GROUP BY reach_day, project_id, {grouped_kit}{places}
    """  # noqa: S608
    return sql, params


def rebuild_reach_summary() -> None:
    """Recompute ReachSummary from the reach rows (which must be exact)."""
    ReachSummary.objects.all().delete()
    with connection.cursor() as cursor:
        for scope in REACH_SCOPES:
            cursor.execute(*_reach_summary_rebuild_sql(scope))


@transaction.atomic
def rebuild_summaries() -> dict[str, int]:
    """Recompute the three tables from the receipts, in SQL (INSERT … SELECT). Returns their row counts."""
    ReceiptSummary.objects.all().delete()
    HouseholdReach.objects.all().delete()
    select_sql, params = _summary_from_receipts().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ReceiptSummary._meta.db_table} ({', '.join(SUMMARY_COLUMNS)}) {select_sql}", params
        )
        cursor.execute(_reach_rebuild_sql())
        cursor.execute(FLAG_FIRSTS_SQL)
    rebuild_reach_summary()
    return {
        "summary_rows": ReceiptSummary.objects.count(),
        "reach_rows": HouseholdReach.objects.count(),
        "reach_summary_rows": ReachSummary.objects.count(),
    }
