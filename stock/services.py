"""Writes on stock: movements, and the balances kept from them in the same transaction (issue 20).

`record_movement` is the one way a movement is written (pages, the partner API, the demo). It locks the
balance rows it moves (`select_for_update`), so two storekeepers dispatching the last kits at once are
served one after the other and the second is refused with the stock left; the check constraints of
`StockBalance` and `DistributionStock` (stock/models.py) are the last word for any other writer.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from kits.models import KitType
from stock.models import (
    TO_DISTRIBUTION,
    WRITE_OFFS,
    DistributionStock,
    MovementKind,
    StockBalance,
    StockMovement,
    VarianceExplanation,
    Warehouse,
)

# Which counter of StockBalance (warehouse) and of DistributionStock (site) each kind moves.
BALANCE_COUNTER = {
    MovementKind.RECEIVED: "received",
    MovementKind.DISPATCHED: "dispatched",
    MovementKind.RETURNED: "returned",
    MovementKind.DAMAGED: "written_off",
    MovementKind.LOST: "written_off",
    MovementKind.ISSUED: "issued",
    MovementKind.ADJUSTED: "adjusted",
}
SITE_COUNTER = {
    MovementKind.DISPATCHED: "dispatched",
    MovementKind.RECEIVED_AT_SITE: "received_at_site",
    MovementKind.RETURNED: "returned",
    MovementKind.DAMAGED: "damaged",
    MovementKind.LOST: "lost",
}
# Kits coming back from a site or written off there: never more than were dispatched to it.
BACK_FROM_SITE = (MovementKind.RETURNED, *WRITE_OFFS)


@dataclass(frozen=True)
class RecordedMovement:
    movement: StockMovement
    created: bool  # False: a resubmission of a stored movement (same client UUID)


def _validate(fields: dict) -> dict[str, list[str]]:
    """Field errors of a movement's shape and links (no database state but the distribution's plan)."""
    errors: dict[str, list[str]] = {}
    kind, quantity, distribution = fields["kind"], fields["quantity"], fields.get("distribution")
    if kind not in MovementKind.values:
        return {"kind": [_("Choose a valid kind of movement.")]}
    if not isinstance(quantity, int) or quantity == 0 or (quantity < 0 and kind != MovementKind.ADJUSTED):
        errors["quantity"] = [_("Enter a number of kits above zero (an adjustment may be below zero).")]
    if fields["occurred_on"] > timezone.localdate():
        errors["occurred_on"] = [_("A movement cannot be dated in the future.")]
    if kind in TO_DISTRIBUTION and distribution is None:
        errors["distribution"] = [_("Name the distribution the kits went to or came from.")]
    if distribution is not None and kind not in (*TO_DISTRIBUTION, *WRITE_OFFS):
        errors["distribution"] = [_("This kind of movement names no distribution.")]
    if kind in (MovementKind.RECEIVED, MovementKind.DISPATCHED) and not fields.get("reference", "").strip():
        errors["reference"] = [_("Give the supplier's reference or the waybill number.")]
    if kind == MovementKind.ISSUED and fields.get("organisation") is None:
        errors["organisation"] = [_("Name the organisation the kits were issued to.")]
    if kind in (*WRITE_OFFS, MovementKind.ADJUSTED) and not fields.get("reason", "").strip():
        errors["reason"] = [_("Say why.")]
    if distribution is not None:
        errors.update(_distribution_errors(kind, distribution, fields["project"], fields["kit_type"]))
    return errors


def _distribution_errors(kind: str, distribution, project, kit_type: KitType) -> dict[str, list[str]]:
    if distribution.project_id != project.pk:
        return {"distribution": [_("This distribution belongs to another project.")]}
    if not distribution.items.filter(kit_type=kit_type).exists():
        return {"kit_type": [_("This kit type is not planned in this distribution.")]}
    # Kits go to an open distribution; a completed one is reconciled and stays as it was reconciled.
    if kind in (MovementKind.DISPATCHED, MovementKind.RECEIVED_AT_SITE) and not distribution.is_open:
        return {"distribution": [_("This distribution is closed: no kits can be sent to it.")]}
    if distribution.status == distribution.Status.COMPLETED:
        return {"distribution": [_("This distribution is completed and reconciled.")]}
    return {}


def _locked(model, **key):
    """The row of `model` at `key`, created at zero if missing, locked for this transaction."""
    model.objects.bulk_create([model(**key)], ignore_conflicts=True)
    return model.objects.select_for_update().get(**key)


def _move_warehouse(movement: StockMovement) -> None:
    change = movement.warehouse_change
    counter = BALANCE_COUNTER.get(movement.kind)
    if counter is None or (movement.kind in WRITE_OFFS and movement.distribution_id):
        return
    balance = _locked(
        StockBalance,
        warehouse_id=movement.warehouse_id,
        project_id=movement.project_id,
        kit_type_id=movement.kit_type_id,
    )
    if balance.on_hand + change < 0:
        raise ValidationError(
            {
                "quantity": [
                    _("Only %(on_hand)s kits of this type are in stock for this project at %(warehouse)s.")
                    % {"on_hand": balance.on_hand, "warehouse": movement.warehouse.name}
                ]
            }
        )
    StockBalance.objects.filter(pk=balance.pk).update(
        **{counter: F(counter) + movement.quantity, "on_hand": F("on_hand") + change}
    )


def _move_site(movement: StockMovement) -> None:
    counter = SITE_COUNTER.get(movement.kind)
    if counter is None or movement.distribution_id is None:
        return
    site = _locked(DistributionStock, distribution_id=movement.distribution_id, kit_type_id=movement.kit_type_id)
    if (
        movement.kind in BACK_FROM_SITE
        and site.returned + site.damaged + site.lost + movement.quantity > site.dispatched
    ):
        left = site.dispatched - site.returned - site.damaged - site.lost
        raise ValidationError(
            {
                "quantity": [
                    _("Only %(left)s kits of this type are left at this distribution (not returned or written off).")
                    % {"left": left}
                ]
            }
        )
    DistributionStock.objects.filter(pk=site.pk).update(**{counter: F(counter) + movement.quantity})


@transaction.atomic
def record_movement(
    *,
    recorded_by: User,
    kind: str,
    warehouse: Warehouse,
    project,
    kit_type: KitType,
    quantity: int,
    occurred_on: datetime.date,
    reference: str = "",
    distribution=None,
    organisation: Organisation | None = None,
    reason: str = "",
    client_uuid: uuid.UUID | None = None,
) -> RecordedMovement:
    """Record one movement and move the balances in the same transaction.

    `quantity` in kits (> 0; an adjustment after a count is signed). A `client_uuid` already stored returns
    that movement (`created` False) when it names the same movement, else ValidationError on `client_uuid`
    (`_replay_of`). Raises ValidationError naming the field: shape and links (`_validate`), and `quantity`
    when the warehouse's stock for the project, or what is left at the distribution's site, would go below
    zero, or a counter past what PostgreSQL's integer holds. Who may record which kind where is the caller's
    check (accounts.selectors.can_record_movement).
    """
    if client_uuid is not None:
        existing = StockMovement.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            return _replay_of(existing, kind, warehouse, project, kit_type, quantity, distribution)
    if distribution is not None:
        # Its status read afresh and locked: a movement and the distribution's completion (which locks the same
        # row, distributions.plans.update_distribution) are served one after the other, so no kit moves after
        # the reconciliation was checked. (A model of a higher app, reached through the instance.)
        distribution = type(distribution).objects.select_for_update().get(pk=distribution.pk)
    fields = {
        "kind": kind,
        "warehouse": warehouse,
        "project": project,
        "kit_type": kit_type,
        "quantity": quantity,
        "occurred_on": occurred_on,
        "reference": reference.strip(),
        "distribution": distribution,
        "organisation": organisation,
        "reason": reason.strip(),
    }
    errors = _validate(fields)
    if errors:
        raise ValidationError(errors)
    movement = StockMovement(**fields, recorded_by=recorded_by, client_uuid=client_uuid or uuid.uuid4())
    try:
        with transaction.atomic():
            movement.save()
            _move_warehouse(movement)
            _move_site(movement)
    except IntegrityError as error:
        # The constraints are the last word (a writer that skipped the lock); name the field all the same.
        existing = StockMovement.objects.filter(client_uuid=movement.client_uuid).first()
        if existing is not None:  # the same client UUID stored meanwhile by a concurrent request
            return _replay_of(existing, kind, warehouse, project, kit_type, quantity, distribution)
        raise ValidationError({"quantity": [_("The stock cannot go below zero.")]}) from error
    except DataError as error:
        # A counter past 2**31 - 1 kits (PostgreSQL integer): refused on the field, not a server error.
        raise ValidationError(
            {"quantity": [_("This quantity takes the stock's totals beyond what can be stored.")]}
        ) from error
    return RecordedMovement(movement, created=True)


def _replay_of(existing: StockMovement, kind, warehouse, project, kit_type, quantity, distribution) -> RecordedMovement:
    """The stored movement a client UUID names when the resubmission is the same movement (a retry); a client
    UUID naming another movement (another kind, place, project, kit type, quantity or distribution: possibly
    one outside the caller's scope) is refused on `client_uuid`, never answered with that movement."""
    sent = (
        kind,
        getattr(warehouse, "pk", None),
        project.pk,
        kit_type.pk,
        quantity,
        distribution.pk if distribution else None,
    )
    stored = (
        existing.kind,
        existing.warehouse_id,
        existing.project_id,
        existing.kit_type_id,
        existing.quantity,
        existing.distribution_id,
    )
    if sent != stored:
        raise ValidationError({"client_uuid": [_("This client UUID already names another movement.")]})
    return RecordedMovement(existing, created=False)


@transaction.atomic
def explain_variance(*, distribution, kit_type: KitType, variance: int, explanation: str, explained_by: User):
    """Store why a distribution's kits of `kit_type` show `variance` (kits unaccounted for, signed), replacing
    an earlier explanation. The variance itself is distributions/reconciliation.py's; it checks the figure.
    Raises ValidationError on `explanation` when empty."""
    explanation = explanation.strip()
    if not explanation:
        raise ValidationError({"explanation": [_("Explain the variance.")]})
    note, _created = VarianceExplanation.objects.update_or_create(
        distribution=distribution,
        kit_type=kit_type,
        defaults={"variance": variance, "explanation": explanation, "explained_by": explained_by},
    )
    return note
