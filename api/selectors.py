"""Reads for the partner API: the scoped querysets of accounts/selectors.py, joined for serialising.

Each list costs a fixed number of queries whatever its length (select_related for single
objects, prefetch_related for collections).
"""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from accounts import selectors as scope
from accounts.models import User
from beneficiaries.models import Household
from distributions.models import Distribution, DistributionItem, Receipt
from kits.models import KitType
from projects.models import Project, Target
from sites.models import AdminArea, Site


def admin_areas() -> QuerySet[AdminArea]:
    """Administrative areas are public reference data (OCHA P-codes)."""
    return AdminArea.objects.select_related("parent")


def visible_site_rows(user: User) -> QuerySet[Site]:
    return scope.visible_sites(user).select_related("admin_area", "admin1", "admin2")


def kit_types() -> QuerySet[KitType]:
    return KitType.objects.prefetch_related("items")


def visible_project_rows(user: User) -> QuerySet[Project]:
    targets = Target.objects.select_related("kit_type", "admin_area").prefetch_related("periods")
    return (
        scope.visible_progress_projects(user)
        .select_related("donor", "lead_organisation")
        .prefetch_related("implementing_partners", "admin_areas", Prefetch("targets", queryset=targets))
    )


def visible_distribution_rows(user: User) -> QuerySet[Distribution]:
    items = DistributionItem.objects.select_related("kit_type").order_by("kit_type__code")
    return (
        scope.visible_distributions(user)
        .select_related("project", "site")
        .prefetch_related(Prefetch("items", queryset=items))
    )


def visible_distributions_to_record(user: User) -> QuerySet[Distribution]:
    """Distributions a receipt may name, with their project (the answer names its code); no plan prefetched."""
    return scope.visible_distributions(user).select_related("project")


def planned_kits_to_record(user: User) -> QuerySet[DistributionItem]:
    """The planned kit types of the distributions a receipt may name (visible_distributions_to_record), each with
    its distribution, project and kit type: a single receipt's distribution, kit type and plan in one query."""
    return DistributionItem.objects.filter(distribution__in=scope.visible_ids("distributions", user)).select_related(
        "distribution__project", "kit_type"
    )


def visible_household_rows(user: User) -> QuerySet[Household]:
    """Households with personal data; none for roles that may not see it (donor viewers)."""
    return scope.visible_households(user).select_related("site")


def visible_households_to_record(user: User) -> QuerySet[Household]:
    """Households a receipt may be recorded for, looked up by registration code."""
    return scope.visible_households_to_serve(user)


# What the receipt serializer reads beyond a receipt's own columns, besides its household.
RECEIPT_RELATIONS = ("distribution__project", "kit_type", "recorded_by", "site", "admin1", "admin2")


def visible_receipt_rows(user: User) -> QuerySet[Receipt]:
    # One join only: PostgreSQL spent 15-40 ms planning the nine-table join at 5,000,000 receipts;
    # the small tables come by id in one cheap query each.
    return scope.visible_receipts(user).select_related("household").prefetch_related(*RECEIPT_RELATIONS)


def recorded_receipt_rows(receipts: list[Receipt]) -> list[Receipt]:
    """Receipts just recorded or replayed (distributions.services), made ready to serialise in memory.

    Returns `receipts`, each with the relations visible_receipt_rows attaches; only those not already
    attached are read, one query per relation (none for a receipt just recorded: recording attaches them).
    Not a scope check: recording took the distribution from the user's scope, and a replay is of the same
    distribution, so these receipts are in visible_receipt_rows(user). Re-reading them cost a fifth of a
    receipt POST's time.
    """
    prefetch_related_objects(receipts, "household", *RECEIPT_RELATIONS)
    return receipts
