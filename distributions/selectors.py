"""Reads on distributions, built on the scoping in accounts/selectors.py."""

from django.db.models import Count, QuerySet, Sum

from accounts.models import User
from accounts.selectors import visible_distributions
from distributions.models import Distribution, Receipt


def open_distributions_for(user: User) -> QuerySet[Distribution]:
    """Distributions an officer may record receipts in today."""
    return (
        visible_distributions(user)
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
