"""Recording and voiding receipts: the writes every figure in the product depends on.

Two officers may scan the same household's card at once, and a phone may resend what it
recorded offline. Both are made harmless here: the household row is locked while a receipt
is recorded, a client UUID already stored returns the stored receipt, and the database's
partial unique constraint is the last word.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.models import Household
from distributions.models import Distribution, DistributionItem, Receipt, VerificationMethod
from distributions.summary import apply_receipt, unapply_receipt
from kits.models import KitType


class DuplicateReceipt(Exception):
    """The household already holds an active receipt of this kit in this distribution."""

    def __init__(self, existing: Receipt):
        self.existing = existing
        when = date_format(timezone.localtime(existing.received_at), "DATETIME_FORMAT")
        who = existing.recorded_by.get_full_name() or existing.recorded_by.get_username()
        super().__init__(
            _("This household already received this kit on %(when)s (recorded by %(who)s).")
            % {"when": when, "who": who}
        )


class ClientUuidConflict(Exception):
    """A client UUID already names a different receipt: the device sent two records with one UUID."""


@dataclass(frozen=True)
class RecordedReceipt:
    receipt: Receipt
    created: bool


def _planned_item(distribution: Distribution, kit_type: KitType) -> DistributionItem:
    try:
        return distribution.items.get(kit_type=kit_type)
    except DistributionItem.DoesNotExist:
        raise ValidationError({"kit_type": [_("This distribution does not hand out this kit type.")]}) from None


def _existing_by_uuid(
    client_uuid: uuid.UUID, distribution: Distribution, household: Household, kit_type: KitType
) -> RecordedReceipt | None:
    existing = Receipt.objects.filter(client_uuid=client_uuid).first()
    if existing is None:
        return None
    same = (existing.distribution_id, existing.household_id, existing.kit_type_id) == (
        distribution.pk,
        household.pk,
        kit_type.pk,
    )
    if not same:
        raise ClientUuidConflict(_("This client UUID already names another receipt."))
    return RecordedReceipt(existing, created=False)


def _active_receipt(distribution: Distribution, household: Household, kit_type: KitType) -> Receipt | None:
    return (
        Receipt.objects.select_related("recorded_by")
        .filter(distribution=distribution, household=household, kit_type=kit_type, voided_at__isnull=True)
        .first()
    )


def _check_recordable(
    distribution: Distribution,
    household: Household,
    item: DistributionItem,
    quantity: int,
    verification_method: str,
    proxy_name: str,
    received_at: datetime.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if not distribution.is_open:
        errors["distribution"] = [
            _("This distribution is %(status)s: no receipts can be recorded.")
            % {"status": distribution.get_status_display().lower()}
        ]
    if not household.is_active:
        errors["household"] = [_("This household is inactive.")]
    entitled = item.entitlement_for(household.household_size)
    if quantity < 1:
        errors["quantity"] = [_("The quantity must be at least 1.")]
    elif quantity > entitled:
        errors["quantity"] = [_("This household is entitled to %(entitled)s at most.") % {"entitled": entitled}]
    if verification_method not in VerificationMethod.values:
        errors["verification_method"] = [_("Choose a verification method.")]
    elif verification_method == VerificationMethod.PROXY and not proxy_name.strip():
        errors["proxy_name"] = [_("Give the name of the person collecting for the household.")]
    if received_at > timezone.now() + datetime.timedelta(minutes=10):
        errors["received_at"] = [_("The time of receipt cannot be in the future.")]
    if errors:
        raise ValidationError(errors)


def record_receipt(
    *,
    recorded_by: User,
    distribution: Distribution,
    household: Household,
    kit_type: KitType,
    verification_method: str,
    quantity: int | None = None,
    proxy_name: str = "",
    client_uuid: uuid.UUID | None = None,
    received_at: datetime.datetime | None = None,
) -> RecordedReceipt:
    """Record that a household received a kit. Raises ValidationError, DuplicateReceipt or ClientUuidConflict.

    A retried submission (same client UUID) returns the stored receipt with created=False.
    """
    client_uuid = client_uuid or uuid.uuid4()
    received_at = received_at or timezone.now()
    item = _planned_item(distribution, kit_type)
    try:
        with transaction.atomic():
            # Serialise recordings for one household: the second officer waits, then sees the first's receipt.
            household = Household.objects.select_for_update().get(pk=household.pk)
            replay = _existing_by_uuid(client_uuid, distribution, household, kit_type)
            if replay:
                return replay
            if existing := _active_receipt(distribution, household, kit_type):
                raise DuplicateReceipt(existing)
            if quantity is None:
                quantity = item.entitlement_for(household.household_size)
            _check_recordable(distribution, household, item, quantity, verification_method, proxy_name, received_at)
            receipt = Receipt.objects.create(
                client_uuid=client_uuid,
                distribution=distribution,
                household=household,
                kit_type=kit_type,
                quantity=quantity,
                received_at=received_at,
                recorded_by=recorded_by,
                verification_method=verification_method,
                proxy_name=proxy_name.strip() if verification_method == VerificationMethod.PROXY else "",
                site=household.site,
                admin1_id=household.site.admin1_id,
                admin2_id=household.site.admin2_id,
                **household.figures(),
            )
            apply_receipt(receipt)  # the dashboards' summary, in this same transaction
            return RecordedReceipt(receipt, created=True)
    except IntegrityError:
        # Lost a race the lock did not cover (another process on SQLite, or the same UUID twice).
        replay = _existing_by_uuid(client_uuid, distribution, household, kit_type)
        if replay:
            return replay
        if existing := _active_receipt(distribution, household, kit_type):
            raise DuplicateReceipt(existing) from None
        raise


@transaction.atomic
def void_receipt(receipt: Receipt, *, voided_by: User, reason: str) -> Receipt:
    """Void a receipt recorded by mistake. It stays stored, and stops counting everywhere."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why this receipt is voided.")]})
    locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
    if locked.voided_at is not None:
        raise ValidationError({"receipt": [_("This receipt is already voided.")]})
    locked.voided_at = timezone.now()
    locked.voided_by = voided_by
    locked.void_reason = reason[:500]
    locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
    unapply_receipt(locked)  # the dashboards' summary, in this same transaction
    return locked
