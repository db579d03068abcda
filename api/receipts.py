"""Receipts from partner systems and devices: resolve codes within the user's scope, then record.

Resolution (a read) happens here; every rule of recording lives in distributions.services.
"""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from api import selectors
from api.problems import django_validation_errors, duplicate_receipt_detail, duplicate_receipt_extra, field_errors
from api.serializers import MAX_BULK_ITEMS, ReceiptCreateSerializer, ReceiptSerializer
from distributions.services import (
    ClientUuidConflict,
    DuplicateReceipt,
    RecordedReceipt,
    record_receipt,
    record_receipts_bulk,
)
from kits.models import KitType

# Lazy: a module-level gettext would freeze these in the language active at import time.
NOT_FOUND = {
    "distribution": gettext_lazy("No distribution with this id in your scope."),
    "household": gettext_lazy("No household with this registration code in your scope."),
    "kit_type": gettext_lazy("No kit type with this code."),
}


class Unresolved(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


class Resolver:
    """Looks up the distributions, households and kit types of many items in three queries."""

    def __init__(self, user, items: list[dict]):
        ids = {item["distribution"] for item in items}
        household_codes = {item["household"] for item in items}
        kit_codes = {item["kit_type"] for item in items}
        self.distributions = {d.pk: d for d in selectors.visible_distributions_to_record(user).filter(pk__in=ids)}
        self.households = {
            h.registration_code: h
            for h in selectors.visible_households_to_record(user).filter(registration_code__in=household_codes)
        }
        self.kit_types = {k.code: k for k in KitType.objects.filter(code__in=kit_codes)}

    def arguments(self, item: dict) -> dict:
        found = {
            "distribution": self.distributions.get(item["distribution"]),
            "household": self.households.get(item["household"]),
            "kit_type": self.kit_types.get(item["kit_type"]),
        }
        missing = {name: [str(NOT_FOUND[name])] for name, value in found.items() if value is None}
        if missing:
            raise Unresolved(missing)
        return _arguments(item, **found)


def _arguments(item: dict, **found) -> dict:
    """record_receipt's keyword arguments for a valid item whose references were `found`."""
    return {
        **found,
        "verification_method": item["verification_method"],
        "quantity": item.get("quantity"),
        "proxy_name": item.get("proxy_name", ""),
        "client_uuid": item.get("client_uuid") or uuid.uuid4(),
        "received_at": item.get("received_at"),
    }


def _resolve_one(user, item: dict) -> dict:
    """One receipt's arguments in two queries: its distribution, kit type and their plan in one, its household in
    the other. When either finds nothing, Resolver's three look-ups name what is missing (and record_receipt
    refuses a kit type the distribution does not plan), as for an item of a bulk."""
    plan = selectors.planned_kit_to_record(user, item["distribution"], item["kit_type"])
    household = selectors.household_to_record(user, item["household"])
    if plan is None or household is None:
        return Resolver(user, [item]).arguments(item)
    found = {"distribution": plan.distribution, "household": household, "kit_type": plan.kit_type}
    return {**_arguments(item, **found), "planned": plan}


def record_one(user, item: dict) -> RecordedReceipt:
    """Record a single receipt; unknown references are field errors (400).

    The receipt comes back ready for ReceiptSerializer (api.selectors.recorded_receipt_rows).
    """
    try:
        arguments = _resolve_one(user, item)
    except Unresolved as unresolved:
        raise ValidationError(unresolved.errors) from None
    recorded = record_receipt(recorded_by=user, **arguments)
    selectors.recorded_receipt_rows([recorded.receipt])
    return recorded


def _parse_bulk(payload) -> list:
    if not isinstance(payload, dict):
        raise serializers.ValidationError({"non_field_errors": [_("Send an object with a `receipts` list.")]})
    unknown = sorted(set(payload) - {"receipts"})
    if unknown:
        raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
    items = payload.get("receipts")
    if not isinstance(items, list):
        raise serializers.ValidationError({"receipts": [_("Send a list of receipts.")]})
    if not 1 <= len(items) <= MAX_BULK_ITEMS:
        raise serializers.ValidationError(
            {"receipts": [_("Send 1 to %(max)s receipts at a time.") % {"max": MAX_BULK_ITEMS}]}
        )
    return items


def _raw_uuid(raw) -> str | None:
    try:
        return str(uuid.UUID(str(raw.get("client_uuid")))) if isinstance(raw, dict) else None
    except ValueError:
        return None


def _refused(index: int, client_uuid, code: str, errors: dict, **extra) -> dict:
    return {"index": index, "client_uuid": client_uuid, "status": "refused", "code": code, "errors": errors, **extra}


def record_bulk(user, payload, context: dict) -> list[dict]:
    """One result per item, in order: created, already_recorded, or refused with a code and field errors."""
    raw_items = _parse_bulk(payload)
    results: dict[int, dict] = {}
    valid: dict[int, dict] = {}
    # One serializer validates every item, as DRF's ListSerializer does: one per item deep-copied
    # its fields a thousand times (a quarter of a 1,000-item bulk's time).
    serializer = ReceiptCreateSerializer(context=context)
    for index, raw in enumerate(raw_items):
        try:
            valid[index] = serializer.run_validation(raw)
        except serializers.ValidationError as error:
            results[index] = _refused(index, _raw_uuid(raw), "invalid", field_errors(error.detail))
    # One item (a phone syncing a receipt just recorded): the single receipt's two prepared look-ups.
    resolve = (
        (lambda item: _resolve_one(user, item)) if len(valid) == 1 else Resolver(user, list(valid.values())).arguments
    )
    to_record: list[tuple[int, dict]] = []
    for index, item in valid.items():
        try:
            to_record.append((index, resolve(item)))
        except Unresolved as unresolved:
            results[index] = _refused(index, _raw_uuid(raw_items[index]), "not_found", unresolved.errors)
    outcomes = record_receipts_bulk(recorded_by=user, items=[arguments for _index, arguments in to_record])
    selectors.recorded_receipt_rows([outcome.recorded.receipt for outcome in outcomes if outcome.recorded])
    representation = ReceiptSerializer(context=context)
    for (index, arguments), outcome in zip(to_record, outcomes, strict=True):
        client_uuid = str(arguments["client_uuid"])
        if outcome.recorded:
            results[index] = {
                "index": index,
                "client_uuid": client_uuid,
                "status": "created" if outcome.recorded.created else "already_recorded",
                "receipt": representation.to_representation(outcome.recorded.receipt),
            }
        elif isinstance(outcome.error, DuplicateReceipt):
            existing = duplicate_receipt_extra(outcome.error, user)
            results[index] = _refused(
                index,
                client_uuid,
                "duplicate_receipt",
                {"household": [duplicate_receipt_detail(outcome.error, user)]},
                existing=existing,
            )
        elif isinstance(outcome.error, ClientUuidConflict):
            results[index] = _refused(index, client_uuid, "client_uuid_conflict", {"client_uuid": [str(outcome.error)]})
        else:
            results[index] = _refused(index, client_uuid, "invalid", django_validation_errors(outcome.error))
    return [results[index] for index in range(len(raw_items))]
