"""Writes on probable duplicates: holding a registration, a reviewer's decisions, merging two households."""

import datetime

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.duplicates import Match
from beneficiaries.models import DuplicateReview, Household, HouseholdMerge
from beneficiaries.services import register_household, submitted_fields
from beneficiaries.signals import household_merging
from sites.models import Site


def hold_registration(*, fields: dict, match: Match, held_by: User | None, source: str = "") -> DuplicateReview:
    """Keep a probable duplicate out of the register until a reviewer decides."""
    return DuplicateReview.objects.create(
        kind=DuplicateReview.Kind.HELD,
        candidate=match.household,
        site=fields["site"],
        likelihood=match.likelihood,
        reasons=match.reasons,
        submitted_fields=submitted_fields(fields),
        source=source[:200],
        created_by=held_by,
    )


def _pending(review: DuplicateReview) -> DuplicateReview:
    locked = DuplicateReview.objects.select_for_update().get(pk=review.pk)
    if locked.status != DuplicateReview.Status.PENDING:
        raise ValidationError({"review": [_("This case was already decided.")]})
    return locked


def _decide(review: DuplicateReview, status: str, by: User) -> DuplicateReview:
    review.status = status
    review.decided_by = by
    review.decided_at = timezone.now()
    review.save(update_fields=["status", "decided_by", "decided_at", "household"])
    return review


@transaction.atomic
def confirm_distinct(review: DuplicateReview, *, decided_by: User) -> DuplicateReview:
    """Two different households. A held registration is registered now."""
    review = _pending(review)
    if review.kind == DuplicateReview.Kind.HELD:
        fields = dict(review.submitted_fields)
        fields["site"] = Site.objects.get(pk=fields["site"])
        if fields.get("consent_date"):
            fields["consent_date"] = datetime.date.fromisoformat(fields["consent_date"])
        review.household = register_household(
            registered_by=review.created_by, confirmed_distinct=True, duplicate_source=review.source, **fields
        )
    return _decide(review, DuplicateReview.Status.DISTINCT, decided_by)


@transaction.atomic
def discard_held(review: DuplicateReview, *, decided_by: User) -> DuplicateReview:
    """A held registration was the known household: nothing is registered."""
    review = _pending(review)
    if review.kind != DuplicateReview.Kind.HELD:
        raise ValidationError({"review": [_("Only a held registration can be discarded; merge a registered one.")]})
    return _decide(review, DuplicateReview.Status.DISCARDED, decided_by)


@transaction.atomic
def merge_flagged(review: DuplicateReview, *, decided_by: User, keep: Household | None = None) -> HouseholdMerge:
    """Merge a flagged registration and its candidate; by default the earlier registration is kept."""
    review = _pending(review)
    if review.kind != DuplicateReview.Kind.FLAGGED:
        raise ValidationError({"review": [_("A held registration was never created: discard it instead.")]})
    pair = {review.household_id: review.household, review.candidate_id: review.candidate}
    kept = keep if keep is not None else review.candidate
    if kept.pk not in pair:
        raise ValidationError({"keep": [_("Keep one of the two households of this case.")]})
    merged = pair[review.household_id if kept.pk == review.candidate_id else review.candidate_id]
    merge = merge_households(kept=kept, duplicate=merged, merged_by=decided_by)
    _decide(review, DuplicateReview.Status.MERGED, decided_by)
    return merge


@transaction.atomic
def merge_households(*, kept: Household, duplicate: Household, merged_by: User, note: str = "") -> HouseholdMerge:
    """The duplicate's receipts follow the kept household, and the duplicate is deactivated.

    A kit both households received in the same distribution would be two active receipts for
    one household, which the database forbids: the duplicate's receipt is voided ('merged') and
    moved, so the history keeps it and reports count the household once.
    """
    if kept.pk == duplicate.pk:
        raise ValidationError({"keep": [_("A household cannot be merged into itself.")]})
    # Lock in a stable order, as record_receipt does for one household: no deadlock with officers recording.
    locked = {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=[kept.pk, duplicate.pk])}
    kept, duplicate = locked[kept.pk], locked[duplicate.pk]
    if duplicate.merged_into_id or kept.merged_into_id:
        raise ValidationError({"household": [_("One of these households was already merged.")]})
    moved, voided = _move_receipts(kept=kept, duplicate=duplicate, merged_by=merged_by)
    duplicate.is_active = False
    duplicate.merged_into = kept
    duplicate.save(update_fields=["is_active", "merged_into", "updated_at"])
    DuplicateReview.objects.filter(status=DuplicateReview.Status.PENDING, household=duplicate).update(
        status=DuplicateReview.Status.MERGED, decided_by=merged_by, decided_at=timezone.now()
    )
    return HouseholdMerge.objects.create(
        kept=kept, merged=duplicate, merged_by=merged_by, receipts_moved=moved, receipts_voided=voided, note=note[:500]
    )


def _move_receipts(*, kept: Household, duplicate: Household, merged_by: User) -> tuple[int, int]:
    """The receipts' part of a merge, done by `distributions` (which owns receipts and their figures) through
    the `household_merging` signal, in this transaction. Returns (receipts moved, receipts voided).

    Exactly one receiver must answer: a merge that moved no receipts would leave them counted for a household
    that no longer exists, so a missing receiver stops the merge instead.
    """
    answers = household_merging.send(sender=Household, kept=kept, duplicate=duplicate, merged_by=merged_by)
    if len(answers) != 1:
        raise ImproperlyConfigured(f"household_merging needs exactly one receiver, it has {len(answers)}.")
    return answers[0][1]
