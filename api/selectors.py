"""Reads for the partner API: the scoped querysets of accounts/selectors.py, joined for serialising.

Each list costs a fixed number of queries whatever its length (select_related for single
objects, prefetch_related for collections).
"""

from functools import cache

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

import config.rows as rows
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


def planned_kit_to_record(user: User, distribution_id: int, kit_code: str) -> DistributionItem | None:
    """The plan of the kit type `kit_code` in the distribution `distribution_id` if a receipt may name that
    distribution (visible_distributions_to_record), with its distribution, project and kit type attached; None
    otherwise. A single receipt's three look-ups in one statement, built once from the models (config/rows.py):
    the ORM's compiling of the four-table join took 1.1 of its 1.4 ms."""
    visible = scope.visible_ids("distributions", user)
    in_scope = f" AND i.{rows.column(DistributionItem, 'distribution')} IN ({visible.sql})"
    with rows.prepared_cursor() as cursor:
        cursor.execute(_planned_kit_sql() + in_scope, [distribution_id, kit_code, *visible.params])
        row = cursor.fetchone()
    if row is None:
        return None
    item, distribution, project, kit_type = rows.instances(row, DistributionItem, Distribution, Project, KitType)
    rows.attach(distribution, "project", project)
    rows.attach(item, "distribution", distribution)
    rows.attach(item, "kit_type", kit_type)
    return item


@cache
def _planned_kit_sql() -> str:
    """planned_kit_to_record's statement before its scope; parameters: the distribution id, the kit type code."""
    item_distribution, item_kit = (
        rows.column(DistributionItem, "distribution"),
        rows.column(DistributionItem, "kit_type"),
    )
    return (
        f"SELECT {rows.columns(DistributionItem, 'i')}, {rows.columns(Distribution, 'd')}, "  # noqa: S608
        f"{rows.columns(Project, 'p')}, {rows.columns(KitType, 'k')} FROM {rows.table(DistributionItem)} i "
        f"JOIN {rows.table(Distribution)} d ON d.{rows.quote(Distribution._meta.pk.column)} = i.{item_distribution} "
        f"JOIN {rows.table(Project)} p "
        f"ON p.{rows.quote(Project._meta.pk.column)} = d.{rows.column(Distribution, 'project')} "
        f"JOIN {rows.table(KitType)} k ON k.{rows.quote(KitType._meta.pk.column)} = i.{item_kit} "
        f"WHERE i.{item_distribution} = %s AND k.{rows.column(KitType, 'code')} = %s"
    )


def visible_household_rows(user: User) -> QuerySet[Household]:
    """Households with personal data; none for roles that may not see it (donor viewers)."""
    return scope.visible_households(user).select_related("site")


def visible_households_to_record(user: User) -> QuerySet[Household]:
    """Households a receipt may be recorded for, looked up by registration code."""
    return scope.visible_households_to_serve(user)


def household_to_record(user: User, registration_code: str) -> Household | None:
    """visible_households_to_record(user)'s household of this registration code, or None. A single receipt's
    look-up, built once (config/rows.py) and prepared: the registration code's unique index, then the scope."""
    visible = scope.visible_ids("households_to_serve", user)
    with rows.prepared_cursor() as cursor:
        cursor.execute(f"{_household_sql()} AND h.{rows.column(Household, 'id')} IN ({visible.sql})",
                       [registration_code, *visible.params])  # fmt: skip
        row = cursor.fetchone()
    return None if row is None else rows.instance(Household, row)


@cache
def _household_sql() -> str:
    """household_to_record's statement before its scope; parameter: the registration code."""
    return (
        f"SELECT {rows.columns(Household, 'h')} FROM {rows.table(Household)} h "  # noqa: S608
        f"WHERE h.{rows.column(Household, 'registration_code')} = %s"
    )


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
