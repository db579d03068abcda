"""Reads on distributions, built on the scoping in accounts/selectors.py."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, QuerySet, Sum

from accounts.models import User
from accounts.selectors import visible_field_distributions, visible_field_receipts, visible_receipts
from beneficiaries.models import Household
from distributions.lists.gate import list_gate
from distributions.models import Distribution, Receipt, SyncRefusal


def visible_open_distributions(user: User) -> QuerySet[Distribution]:
    """Distributions an officer may record receipts in today."""
    return (
        visible_field_distributions(user)
        .filter(status__in=Distribution.OPEN_STATUSES)
        .select_related("site", "project")
        .order_by("planned_start", "id")
    )


def distribution_progress(distribution: Distribution) -> list[dict]:
    """Per planned kit type: planned total, kits given and households served. Voided receipts do not count.

    Two queries whatever the number of receipts: the plan, and the receipts grouped in SQL.
    """
    given = {
        row["kit_type_id"]: row
        for row in Receipt.objects.filter(distribution=distribution, voided_at__isnull=True)
        .values("kit_type_id")
        .annotate(given=Sum("quantity"), households=Count("household_id", distinct=True))
        .order_by()
    }
    progress = []
    for item in distribution.items.select_related("kit_type").order_by("kit_type__code"):
        row = given.get(item.kit_type_id, {})
        progress.append(
            {
                "kit_type": item.kit_type,
                "planned_quantity": item.planned_quantity,
                "given": row.get("given", 0),
                "households": row.get("households", 0),
            }
        )
    return progress


def served_among(distribution: Distribution, households: list[Household]) -> set[int]:
    """Ids of the given households holding an active receipt in this distribution (one query): the
    search results' "already received" mark."""
    if not households:
        return set()
    return set(
        Receipt.objects.filter(
            distribution=distribution, household__in=[household.pk for household in households], voided_at__isnull=True
        )
        .values_list("household_id", flat=True)
        .distinct()
    )


SYNC_REPORT_ROWS = 20


def sync_report(distribution: Distribution) -> dict:
    """What phones synced late or had refused, for the distribution's page (three queries).

    {"late_count": int, "late": [Receipt] (newest SYNC_REPORT_ROWS, active ones), "refusals": [SyncRefusal]
    (newest SYNC_REPORT_ROWS), "refusal_count": int}. Codes and kits only: no names.
    """
    late = Receipt.objects.filter(distribution=distribution, late_sync=True, voided_at__isnull=True)
    refusals = SyncRefusal.objects.filter(distribution=distribution)
    return {
        "late_count": late.count(),
        "late": list(
            late.select_related("household", "kit_type", "recorded_by").order_by("-recorded_at")[:SYNC_REPORT_ROWS]
        ),
        "refusal_count": refusals.count(),
        "refusals": list(
            refusals.select_related("household", "kit_type", "recorded_by").order_by("-refused_at")[:SYNC_REPORT_ROWS]
        ),
    }


def visible_field_distribution(user: User, pk: int) -> Distribution:
    """One distribution the user may open in the field app (Distribution.DoesNotExist otherwise)."""
    return visible_field_distributions(user).select_related("site__admin_area", "project").get(pk=pk)


def household_entitlements(distribution: Distribution, household: Household) -> list[dict]:
    """Per planned kit type: what the household is entitled to and its active receipt in this distribution.

    [{"item", "kit_type", "entitled": int, "receipt": Receipt | None, "refusal": str}]: with an approved list,
    the listed quantity; a household off the list (and not overridden) is entitled to 0, `refusal` says why.
    """
    active = {
        receipt.kit_type_id: receipt
        for receipt in Receipt.objects.filter(
            distribution=distribution, household=household, voided_at__isnull=True
        ).select_related("recorded_by")
    }
    gate = list_gate([distribution.pk], [household.pk])  # an approved list decides (issue 19)
    rows = []
    for item in distribution.items.select_related("kit_type").order_by("kit_type__code"):
        default = item.entitlement_for(household.household_size)
        try:
            entitled, refusal = gate.entitled(distribution.pk, household.pk, item.kit_type_id, default), ""
        except ValidationError as error:
            entitled, refusal = 0, " ".join(error.messages)
        receipt = active.get(item.kit_type_id)
        rows.append(
            {"item": item, "kit_type": item.kit_type, "entitled": entitled, "receipt": receipt, "refusal": refusal}
        )
    return rows


def visible_household_receipts(user: User, household: Household) -> QuerySet[Receipt]:
    """Every receipt of a household the user may see, voided ones included, newest first."""
    return (
        visible_receipts(user)
        .filter(household=household)
        .select_related("distribution", "kit_type", "recorded_by", "voided_by")
        .order_by("-received_at", "-id")
    )


def visible_field_receipt(user: User, distribution: Distribution, pk: int) -> Receipt:
    return (
        visible_field_receipts(user)
        .select_related("household", "kit_type", "recorded_by")
        .get(distribution=distribution, pk=pk)
    )


def received_kits_by_household(distribution: Distribution) -> dict[int, list[str]]:
    """Kit type codes each household holds an active receipt of, for the offline list. One query."""
    received: dict[int, list[str]] = {}
    rows = (
        Receipt.objects.filter(distribution=distribution, voided_at__isnull=True)
        .values_list("household_id", "kit_type__code")
        .order_by()
    )
    for household_id, kit_code in rows:
        received.setdefault(household_id, []).append(kit_code)
    return received


def offline_version(distribution: Distribution) -> str:
    """Changes whenever a receipt or a household of the site changes: the offline list's ETag."""
    receipts = Receipt.objects.filter(distribution=distribution).aggregate(
        count=Count("id"), last=Max("id"), voided=Count("voided_at"), last_void=Max("voided_at")
    )
    households = Household.objects.filter(site_id=distribution.site_id).aggregate(
        count=Count("id"), last=Max("updated_at")
    )
    return "-".join(str(value) for value in (*receipts.values(), *households.values()))
