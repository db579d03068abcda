"""Writes on distribution plans: a distribution's project, site, dates, status and planned kit types with
their entitlements. Recording receipts is distributions/services.py's."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from distributions.models import Distribution, DistributionItem, Receipt
from distributions.reconciliation import refuse_unexplained_variance
from kits.models import KitType


def _validate_distribution(distribution: Distribution, items: list[dict] | None) -> None:
    errors: dict[str, list[str]] = {}
    if (
        distribution.planned_start
        and distribution.planned_end
        and distribution.planned_end < distribution.planned_start
    ):
        errors["planned_end"] = [_("The planned end cannot be before the planned start.")]
    if distribution.status not in Distribution.Status.values:
        errors["status"] = [_("Choose a valid status.")]
    for index, item in enumerate(items or []):
        maximum = item.get("entitlement_maximum")
        if maximum is not None and maximum < item.get("entitlement_quantity", 1):
            errors.setdefault(f"items.{index}.entitlement_maximum", []).append(
                _("The maximum cannot be below the entitlement quantity.")
            )
    kit_codes = [item["kit_type"].code for item in items or []]
    if len(kit_codes) != len(set(kit_codes)):
        errors["items"] = [_("Each kit type may be planned once.")]
    if errors:
        raise ValidationError(errors)


def _save_items(distribution: Distribution, items: list[dict]) -> None:
    """Replace the plan: kit types left out are dropped, unless receipts were recorded for them."""
    planned = {item.kit_type_id: item for item in distribution.items.all()}
    wanted = {item["kit_type"].pk: item for item in items}
    dropped = set(planned) - set(wanted)
    used = set(
        Receipt.objects.filter(distribution=distribution, kit_type_id__in=dropped).values_list("kit_type_id", flat=True)
    )
    if used:
        codes = ", ".join(sorted(KitType.objects.filter(pk__in=used).values_list("code", flat=True)))
        raise ValidationError(
            {"items": [_("Receipts were recorded for %(codes)s: it stays planned.") % {"codes": codes}]}
        )
    DistributionItem.objects.filter(distribution=distribution, kit_type_id__in=dropped).delete()
    for kit_type_id, fields in wanted.items():
        values = {name: value for name, value in fields.items() if name != "kit_type"}
        DistributionItem.objects.update_or_create(distribution=distribution, kit_type_id=kit_type_id, defaults=values)


# A distribution's receipts, their progress summaries and who may see them follow its project and
# site: once a receipt exists these are fixed (the database refuses it too, migration 0011).
FIXED_ONCE_RECEIVED = ("project", "site")


def _refuse_moving_received(distribution: Distribution, changes: dict) -> None:
    """Raise ValidationError naming each of FIXED_ONCE_RECEIVED that `changes` would change on a distribution
    with receipts (voided ones included: they are counted in the history and audit trail)."""
    moved = [
        name
        for name in FIXED_ONCE_RECEIVED
        if name in changes and getattr(changes[name], "pk", changes[name]) != getattr(distribution, f"{name}_id")
    ]
    if moved and Receipt.objects.filter(distribution=distribution).exists():
        message = _("Receipts were recorded in this distribution: its project and site cannot change.")
        raise ValidationError({name: [message] for name in moved})


@transaction.atomic
def create_distribution(*, created_by: User | None, items: list[dict] | None = None, **fields) -> Distribution:
    """Plan a distribution: project, site, name, dates, status and its kit types with entitlements."""
    distribution = Distribution(**fields)
    _validate_distribution(distribution, items)
    distribution.save()
    _save_items(distribution, items or [])
    return distribution


@transaction.atomic
def update_distribution(distribution: Distribution, *, updated_by: User | None, **changes) -> Distribution:
    """Change a distribution's plan; `items`, when given, replaces the planned kit types."""
    items = changes.pop("items", None)
    locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
    _refuse_moving_received(locked, changes)
    was_completed = locked.status == Distribution.Status.COMPLETED
    for name, value in changes.items():
        setattr(locked, name, value)
    _validate_distribution(locked, items)
    if locked.status == Distribution.Status.COMPLETED and was_completed is False:
        refuse_unexplained_variance(locked)  # the stock reconciliation (issue 20)
    locked.save()
    if items is not None:
        _save_items(locked, items)
    return locked
