"""The progress summaries, kept exact in the transaction that records or voids a receipt.

`ReceiptSummary` holds kits per day and dimension; `HouseholdReach` holds each household's
first active receipt of a kit type in a project. `apply_receipt` and `unapply_receipt` are
called by distributions/services.py inside its transaction (the household row is locked
there, so reach rows of one household never race). `rebuild_summaries` recomputes both from
the receipts alone, for `manage.py rebuild_progress_summary`, bulk loads and the test that
checks the maintained tables against a rebuild.
"""

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS
from distributions.models import HouseholdReach, Receipt, ReceiptSummary

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
    updated = ReceiptSummary.objects.filter(**key).update(receipts=F("receipts") + 1, kits=F("kits") + receipt.quantity)
    if not updated:
        ReceiptSummary.objects.create(**key, receipts=1, kits=receipt.quantity)
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
    elif (receipt.received_at, receipt.pk) < (reach.received_at, reach.first_receipt_id):
        # A receipt recorded late (offline sync) for an earlier moment becomes the first one.
        HouseholdReach.objects.filter(pk=reach.pk).update(**_reach_values(receipt))
    _mark_household_first(key["project_id"], receipt.household_id)


def _mark_household_first(project_id: int, household_id: int) -> None:
    """Flag the household's earliest reach row in the project (same order as the engine's window)."""
    rows = HouseholdReach.objects.filter(project_id=project_id, household_id=household_id)
    first = rows.order_by("received_at", "first_receipt_id").values_list("pk", flat=True).first()
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


FLAG_FIRSTS_SQL = """
    UPDATE distributions_householdreach SET is_household_first = TRUE
    WHERE id IN (
        SELECT id FROM (
            SELECT id, ROW_NUMBER() OVER (
                PARTITION BY project_id, household_id ORDER BY received_at, first_receipt_id
            ) AS rank_in_household
            FROM distributions_householdreach
        ) ranked
        WHERE rank_in_household = 1
    )
"""

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


@transaction.atomic
def rebuild_summaries() -> dict[str, int]:
    """Recompute both tables from the receipts, in SQL (INSERT … SELECT). Returns their row counts."""
    ReceiptSummary.objects.all().delete()
    HouseholdReach.objects.all().delete()
    select_sql, params = _summary_from_receipts().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ReceiptSummary._meta.db_table} ({', '.join(SUMMARY_COLUMNS)}) {select_sql}", params
        )
        cursor.execute(_reach_rebuild_sql())
        cursor.execute(FLAG_FIRSTS_SQL)
    return {"summary_rows": ReceiptSummary.objects.count(), "reach_rows": HouseholdReach.objects.count()}
