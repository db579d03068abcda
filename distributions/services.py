"""Recording and voiding receipts: the writes every figure in the product depends on.

Two officers may scan the same household's card at once, and a phone may resend what it
recorded offline. Both are made harmless here: the household row is locked while a receipt
is recorded, a client UUID already stored returns the stored receipt, and the database's
partial unique constraint is the last word.
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from beneficiaries.models import Household
from distributions import statements
from distributions.lists.gate import ListGate, list_gate
from distributions.models import Distribution, DistributionItem, Receipt, SyncRefusal, VerificationMethod
from distributions.progress.maintain import apply_receipts, unapply_receipt
from kits.models import KitType


class DuplicateReceipt(Exception):
    """The household already holds an active receipt of this kit in this distribution."""

    def __init__(self, existing: Receipt):
        self.existing = existing
        super().__init__(self.describe(existing.recorded_by.get_full_name() or existing.recorded_by.get_username()))

    def describe(self, who: str) -> str:
        """The refusal, naming the officer `who` recorded the stored receipt; without `who` when it is ""
        (an audience that may not see staff names: projects.disclosure.staff_name)."""
        when = date_format(timezone.localtime(self.existing.received_at), "DATETIME_FORMAT")
        if not who:
            return _("This household already received this kit on %(when)s.") % {"when": when}
        return _("This household already received this kit on %(when)s (recorded by %(who)s).") % {
            "when": when,
            "who": who,
        }


class ClientUuidConflict(Exception):
    """A client UUID already names a different receipt: the device sent two records with one UUID."""


@dataclass(frozen=True)
class RecordedReceipt:
    receipt: Receipt
    created: bool


def _not_planned() -> ValidationError:
    return ValidationError({"kit_type": [_("This distribution does not hand out this kit type.")]})


def _planned_item(distribution: Distribution, kit_type: KitType) -> DistributionItem:
    try:
        return distribution.items.get(kit_type=kit_type)
    except DistributionItem.DoesNotExist:
        raise _not_planned() from None


def _replay_of(
    existing: Receipt | None, distribution: Distribution, household: Household, kit_type: KitType
) -> RecordedReceipt | None:
    """The stored receipt a client UUID names: a replay if it is the same receipt, a conflict otherwise."""
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


def _stored_receipts(
    client_uuid: uuid.UUID, distribution: Distribution, household: Household, kit_type: KitType
) -> tuple[Receipt | None, Receipt | None]:
    """The receipt the client UUID names, and the household's active receipt of this kit in this distribution
    (either None): one query (two index scans, OR'ed). Their recorders are read only if needed (a duplicate's
    refusal names its recorder): joining them cost every receipt."""
    key = (distribution.pk, household.pk, kit_type.pk)
    found = statements.stored_receipts(client_uuid, *key)
    by_uuid = next((r for r in found if str(r.client_uuid) == str(client_uuid)), None)
    active = next(
        (r for r in found if r.voided_at is None and (r.distribution_id, r.household_id, r.kit_type_id) == key), None
    )
    return by_uuid, active


def _check_recordable(
    distribution: Distribution,
    household: Household,
    entitled: int,
    quantity: int,
    verification_method: str,
    proxy_name: str,
    received_at: datetime.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if not distribution.is_open and not distribution.took_late_receipt_at(received_at):
        if distribution.status == Distribution.Status.COMPLETED and distribution.closed_at:
            closed = date_format(timezone.localtime(distribution.closed_at), "DATETIME_FORMAT")
            errors["distribution"] = [
                _("This distribution closed on %(closed)s: only kits received on its planned days before then count.")
                % {"closed": closed}
            ]
        else:
            errors["distribution"] = [
                _("This distribution is %(status)s: no receipts can be recorded.")
                % {"status": distribution.get_status_display().lower()}
            ]
    if not household.is_active:
        errors["household"] = [_("This household is inactive.")]
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


def _new_receipt(*, household: Household, verification_method: str, proxy_name: str, **fields) -> Receipt:
    """An unsaved receipt carrying the household's frozen figures, site and areas (statements.locked_households)."""
    return Receipt(
        project_id=fields["distribution"].project_id,
        household=household,
        verification_method=verification_method,
        proxy_name=proxy_name.strip() if verification_method == VerificationMethod.PROXY else "",
        site=household.site,
        admin1=household.site.admin1,
        admin2=household.site.admin2,
        **fields,
        **household.figures(),
    )


def _decide(
    *,
    stored_by_uuid: Receipt | None,
    active: Callable[[], Receipt | None],
    item: DistributionItem,
    household: Household,
    quantity: int | None,
    gate: ListGate,
    **fields,
) -> RecordedReceipt:
    """record_receipt's decision, whatever the reads come from (the database, or a batch's reads):
    the stored receipt for a replay, a refusal (raised), or a new receipt, not saved yet."""
    distribution, kit_type = fields["distribution"], fields["kit_type"]
    if replay := _replay_of(stored_by_uuid, distribution, household, kit_type):
        return replay
    if existing := active():
        raise DuplicateReceipt(existing)
    # With an approved list (issue 19), the listed quantity, or a refusal for a household off the list.
    entitled = gate.entitled(distribution.pk, household.pk, kit_type.pk, item.entitlement_for(household.household_size))
    if quantity is None:
        quantity = entitled
    _check_recordable(
        distribution,
        household,
        entitled,
        quantity,
        fields["verification_method"],
        fields["proxy_name"],
        fields["received_at"],
    )
    # Accepted by a closed distribution only when received while it was open: a late sync.
    late_sync = not distribution.is_open
    return RecordedReceipt(
        _new_receipt(household=household, quantity=quantity, late_sync=late_sync, **fields), created=True
    )


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
    planned: DistributionItem | None = None,
) -> RecordedReceipt:
    """Record that a household received a kit. Raises ValidationError, DuplicateReceipt or ClientUuidConflict.

    A retried submission (same client UUID) returns the stored receipt with created=False. `planned`: the
    distribution's plan of this kit type when the caller read it already (api.receipts, with the distribution
    and kit type in one query); read here otherwise.
    """
    client_uuid = client_uuid or uuid.uuid4()
    received_at = received_at or timezone.now()
    if planned is None:
        item = _planned_item(distribution, kit_type)
    elif (planned.distribution_id, planned.kit_type_id) == (distribution.pk, kit_type.pk):
        item = planned
    else:
        raise ValueError("`planned` is another distribution's or kit type's plan")
    try:
        with transaction.atomic():
            # Serialise recordings for one household: the second officer waits, then sees the first's receipt.
            # Only the household row is locked (FOR UPDATE OF): recordings at one site must not queue on its row.
            household = statements.locked_households([household.pk]).get(household.pk)
            if household is None:
                raise Household.DoesNotExist("The household to record for no longer exists.")
            stored_by_uuid, active = _stored_receipts(client_uuid, distribution, household, kit_type)
            decided = _decide(
                stored_by_uuid=stored_by_uuid,
                active=lambda: active,
                item=item,
                gate=list_gate([distribution.pk], [household.pk]),
                client_uuid=client_uuid,
                distribution=distribution,
                household=household,
                kit_type=kit_type,
                quantity=quantity,
                received_at=received_at,
                recorded_by=recorded_by,
                verification_method=verification_method,
                proxy_name=proxy_name,
            )
            if decided.created:
                decided.receipt.save(force_insert=True)
                apply_receipts([decided.receipt])  # the dashboards' summary, in this same transaction
            return decided
    except IntegrityError:
        # Lost a race the lock did not cover (the same client UUID sent for two households at once).
        stored_by_uuid, active = _stored_receipts(client_uuid, distribution, household, kit_type)
        if replay := _replay_of(stored_by_uuid, distribution, household, kit_type):
            return replay
        if active:
            raise DuplicateReceipt(active) from None
        raise


@transaction.atomic
def void_receipt(receipt: Receipt, *, voided_by: User, reason: str) -> Receipt:
    """Void a receipt recorded by mistake. It stays stored, and stops counting everywhere."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why this receipt is voided.")]})
    locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
    # The household's row, as when recording: its reach rows are recounted below and must not race.
    list(Household.objects.select_for_update(of=("self",)).filter(pk=locked.household_id).values_list("pk"))
    if locked.voided_at is not None:
        raise ValidationError({"receipt": [_("This receipt is already voided.")]})
    locked.voided_at = timezone.now()
    locked.voided_by = voided_by
    locked.void_reason = reason[:500]
    locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
    unapply_receipt(locked)  # the dashboards' summary, in this same transaction
    return locked


# --- Partner API: bulk recording ---------------------------------------


@dataclass(frozen=True)
class BulkOutcome:
    """The fate of one item of a bulk recording: a RecordedReceipt, or the error that refused it."""

    recorded: RecordedReceipt | None = None
    error: Exception | None = None


def record_receipts_bulk(*, recorded_by: User, items: list[dict]) -> list[BulkOutcome]:
    """Record many receipts (a device syncing after a day offline); each item all-or-nothing.

    Each item holds record_receipt's keyword arguments; the outcomes are those record_receipt
    would give the items one after the other. Set-based: the batch's households are locked and
    its replays and duplicates read in a few statements, the accepted receipts (and their
    history and summaries) written in a few more, whatever the number of items.
    """
    if len(items) == 1:
        # A phone online syncs each receipt as it is recorded (static/field/field.js): record_receipt's statements
        # are built once and prepared, the batch's compiled for each batch (13.5 -> 6-7 ms of Python a receipt).
        # Its own transaction; a refusal is kept after it, as after a batch's.
        outcomes = [_record_each(recorded_by, items[0])]
        _keep_refusals(recorded_by, items, outcomes)
        return outcomes
    with transaction.atomic():
        try:
            with transaction.atomic():
                outcomes = _record_batch(recorded_by, items)
        except IntegrityError:
            # Lost a race the locks did not cover (another device stored one of these client UUIDs
            # meanwhile): the batch's writes are rolled back, and item by item gives the exact answer.
            outcomes = [_record_each(recorded_by, item) for item in items]
        _keep_refusals(recorded_by, items, outcomes)
        return outcomes


def refusal_reason(error: Exception) -> str:
    """One line for a refused receipt, in the active language: the messages of its errors."""
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    return str(error)


def _keep_refusals(recorded_by: User, items: list[dict], outcomes: list[BulkOutcome]) -> None:
    """Keep each refused item of a sync for the distribution's page (once per client UUID)."""
    refusals = [
        SyncRefusal(
            client_uuid=item["client_uuid"],
            distribution=item["distribution"],
            household=item["household"],
            kit_type=item["kit_type"],
            received_at=item.get("received_at") or timezone.now(),
            recorded_by=recorded_by,
            reason=refusal_reason(outcome.error)[:500],
        )
        for item, outcome in zip(items, outcomes, strict=True)
        if outcome.error is not None and item.get("client_uuid") and not isinstance(outcome.error, ClientUuidConflict)
    ]
    if refusals:
        SyncRefusal.objects.bulk_create(refusals, ignore_conflicts=True)


def _record_each(recorded_by: User, item: dict) -> BulkOutcome:
    try:
        return BulkOutcome(recorded=record_receipt(recorded_by=recorded_by, **item))
    except (ValidationError, DuplicateReceipt, ClientUuidConflict) as error:
        return BulkOutcome(error=error)


def _record_batch(recorded_by: User, items: list[dict]) -> list[BulkOutcome]:
    batch = _Batch(items)
    outcomes: list[BulkOutcome] = []
    for item in items:
        try:
            outcomes.append(BulkOutcome(recorded=batch.record(recorded_by=recorded_by, **item)))
        except (ValidationError, DuplicateReceipt, ClientUuidConflict) as error:
            outcomes.append(BulkOutcome(error=error))
    if batch.created:
        _copy_with_history(batch.created, recorded_by)
        apply_receipts(batch.created)  # the dashboards' summaries, in this same transaction
    return outcomes


def _copy_with_history(receipts: list[Receipt], recorded_by: User) -> None:
    audit.copy_with_history(receipts, Receipt, stamped=("recorded_at",), user_id=recorded_by.pk, change_reason="")
    # The insert trigger set changed_at, and COPY returns nothing: read it back, as save() does (RETURNING),
    # so the receipts in memory are the stored ones (the API answers from them).
    stored = dict(Receipt.objects.filter(pk__in=[receipt.pk for receipt in receipts]).values_list("pk", "changed_at"))
    for receipt in receipts:
        receipt.changed_at = stored[receipt.pk]


class _Batch:
    """What record_receipt reads for one item, read for a whole batch: four statements.

    The households are locked in one statement, in id order (two batches cannot deadlock on
    them); receipts accepted earlier in the batch count as stored for the later items.
    """

    def __init__(self, items: list[dict]):
        distribution_ids = {item["distribution"].pk for item in items}
        household_ids = sorted({item["household"].pk for item in items})
        self.planned = {
            (planned.distribution_id, planned.kit_type_id): planned
            for planned in DistributionItem.objects.filter(distribution_id__in=distribution_ids)
        }
        self.households = statements.locked_households(household_ids)
        uuids = {item["client_uuid"] for item in items if item.get("client_uuid")}
        self.by_uuid = {r.client_uuid: r for r in Receipt.objects.filter(client_uuid__in=uuids)}
        active = Receipt.objects.select_related("recorded_by").filter(
            distribution_id__in=distribution_ids, household_id__in=household_ids, voided_at__isnull=True
        )
        self.active = {(r.distribution_id, r.household_id, r.kit_type_id): r for r in active}
        self.created: list[Receipt] = []
        self.gate = list_gate(distribution_ids, household_ids)

    def record(
        self,
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
        """record_receipt's checks, in its order, against the batch's reads; the receipt is not saved yet."""
        client_uuid = client_uuid or uuid.uuid4()
        received_at = received_at or timezone.now()
        item = self.planned.get((distribution.pk, kit_type.pk))
        if item is None:
            raise _not_planned()
        household = self.households[household.pk]
        key = (distribution.pk, household.pk, kit_type.pk)
        decided = _decide(
            stored_by_uuid=self.by_uuid.get(client_uuid),
            active=lambda: self.active.get(key),
            item=item,
            gate=self.gate,
            client_uuid=client_uuid,
            distribution=distribution,
            household=household,
            kit_type=kit_type,
            quantity=quantity,
            received_at=received_at,
            recorded_by=recorded_by,
            verification_method=verification_method,
            proxy_name=proxy_name,
        )
        if decided.created:
            self.by_uuid[client_uuid] = self.active[key] = decided.receipt
            self.created.append(decided.receipt)
        return decided


def allow_moving_receipts() -> None:
    """Let the current transaction give receipts another household (a merge of duplicates only).

    The database refuses to change a receipt's household, distribution, kit type, quantity, date or
    site (trigger of migration 0011) unless this transaction-local setting is on. Must run inside
    transaction.atomic(); it ends with the transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('tracker.moving_receipts', 'on', true)")
