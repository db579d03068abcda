"""Writes: the receipts' part of merging two households (the household part is beneficiaries/duplicate_services.py)."""

from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from beneficiaries.models import Household
from distributions.models import Receipt
from distributions.progress.maintain import recount_households_reach
from distributions.services import allow_moving_receipts, void_receipt


def move_receipts_of_merged_household(
    sender, *, kept: Household, duplicate: Household, merged_by: User, **kwargs
) -> tuple[int, int]:
    """The receipts' part of merging two households (beneficiaries/duplicate_services.py, `household_merging`).

    The duplicate's receipts follow the kept household. A kit both households received in the same distribution
    would be two active receipts for one household, which the database forbids: the duplicate's receipt is
    voided ('merged') and moved, so the history keeps it and reports count the household once. Returns
    (receipts moved, receipts voided). Runs in the merge's transaction, both households locked.
    """
    received_by_kept = set(
        Receipt.objects.filter(household=kept, voided_at__isnull=True).values_list("distribution_id", "kit_type_id")
    )
    voided = 0
    for receipt in Receipt.objects.filter(household=duplicate, voided_at__isnull=True):
        if (receipt.distribution_id, receipt.kit_type_id) in received_by_kept:
            void_receipt(
                receipt,
                voided_by=merged_by,
                reason=_("Merged: household %(duplicate)s is a duplicate of %(kept)s, which received this kit.")
                % {"duplicate": duplicate.display_code, "kept": kept.display_code},
            )
            voided += 1
    allow_moving_receipts()  # the one service allowed to move receipts to another household
    moving = list(Receipt.objects.filter(household=duplicate))
    for receipt in moving:
        receipt.household = kept
    moved = audit.bulk_update_with_history(moving, Receipt, ["household"], user=merged_by)
    recount_households_reach([kept.pk, duplicate.pk])  # the dashboards count the kept household once
    return moved, voided
