"""What recording a receipt asks of a distribution's list: is the household on it, and for how much.

Reads only (distributions/services.py calls it inside record_receipt's transaction, for one household or a
batch); it imports no service, so services may import it.
"""

from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

import config.rows as rows
from distributions.lists.models import DistributionList, ListChange, ListedKit


@dataclass
class ListGate:
    """The lists of some distributions and what their households are entitled to.

    `approved`: distribution id -> approved list id; `listed`: (list id, household id) -> {kit type id: quantity}
    for households on the list (not removed); `overridden`: (list id, household id) allowed off the list.
    """

    approved: dict[int, int] = field(default_factory=dict)
    listed: dict[tuple[int, int], dict[int, int]] = field(default_factory=dict)
    overridden: set[tuple[int, int]] = field(default_factory=set)

    def entitled(self, distribution_id: int, household_id: int, kit_type_id: int, default: int) -> int:
        """The quantity a household may receive: `default` (the plan's entitlement) without an approved list or
        with an override, its listed quantity when on the list. Raises ValidationError (`household`) when the
        household is not on the list, or (`kit_type`) when its listed entitlement has no kit of this type."""
        list_id = self.approved.get(distribution_id)
        if list_id is None:
            return default
        kits = self.listed.get((list_id, household_id))
        if kits is None:
            if (list_id, household_id) in self.overridden:
                return default
            raise ValidationError(
                {"household": [_("This household is not on the distribution list: a supervisor may override.")]}
            )
        if kit_type_id not in kits:
            raise ValidationError({"kit_type": [_("The list does not entitle this household to this kit.")]})
        return kits[kit_type_id]


def list_gate(distribution_ids, household_ids) -> ListGate:
    """The gate for these distributions and households: one query without an approved list, three with."""
    with rows.prepared_cursor() as cursor:  # every receipt asks: built once (config/rows.py) and prepared
        cursor.execute(_approved_sql(), [sorted(set(distribution_ids)), DistributionList.Status.APPROVED.value])
        approved = dict(cursor.fetchall())
    gate = ListGate(approved=approved)
    if not approved:
        return gate
    household_ids = set(household_ids)
    listed = ListedKit.objects.filter(
        listed__dlist_id__in=approved.values(), listed__household_id__in=household_ids, listed__removed_at__isnull=True
    ).values_list("listed__dlist_id", "listed__household_id", "kit_type_id", "quantity")
    for list_id, household_id, kit_type_id, quantity in listed.order_by():
        gate.listed.setdefault((list_id, household_id), {})[kit_type_id] = quantity
    gate.overridden = set(
        ListChange.objects.filter(
            dlist_id__in=approved.values(), household_id__in=household_ids, kind=ListChange.Kind.OVERRIDE
        )
        .values_list("dlist_id", "household_id")
        .order_by()
    )
    return gate


@cache
def _approved_sql() -> str:
    """The approved lists of some distributions, as (distribution id, list id); parameters: the distributions'
    ids, the approved status."""
    distribution, status = rows.column(DistributionList, "distribution"), rows.column(DistributionList, "status")
    return (
        f"SELECT {distribution}, {rows.column(DistributionList, 'id')} "  # noqa: S608 - _meta's names
        f"FROM {rows.table(DistributionList)} WHERE {distribution} = ANY(%s::bigint[]) AND {status} = %s"
    )
