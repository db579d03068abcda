"""Targeting criteria and entitlement rules: their shapes, their validation (errors named by field) and their SQL.

Criteria (a dict, stored on DistributionList.criteria; every key optional except `sites`):

    {"sites": [site id, ...],                       households currently at these sites
     "displacement_status": ["idp", ...],           any of these statuses
     "vulnerability_any": ["woman_headed", ...],    at least one of these flags (VULNERABILITY_FIELDS)
     "size_min": int, "size_max": int,              household size, bounds included
     "members_min": {"females_0_5": 1, ...},        at least n members in each named sex-and-age field
     "registered_from": "YYYY-MM-DD", "registered_to": "YYYY-MM-DD",   registration date (UTC), included
     "not_served_days": int,                        no active receipt in another distribution of the project
     "not_served_kit_type": kit type id or null}    ... in the last N days (of that kit type only, when named)

Always: active households only. `{}` (no criteria) selects nobody: a list supplied household by household.
Entitlement rules (DistributionList.rules), per planned kit type:

    {"<kit type id>": {"size_min": 5, "quantity": 2}}   households of 5 or more get 2; others the item's basis

The item's basis (fixed, or per member with a maximum: DistributionItem) is the default, written here once in SQL
(`entitlement_expression`) for the count, the freeze and a household added later; DistributionItem.entitlement_for
is the same rule in Python for distributions without a list.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, DisplacementStatus
from distributions.models import Distribution, DistributionItem, Receipt

INT_KEYS = ("size_min", "size_max", "not_served_days")
DATE_KEYS = ("registered_from", "registered_to")
KNOWN_KEYS = {
    "sites",
    "displacement_status",
    "vulnerability_any",
    "members_min",
    "not_served_kit_type",
    *INT_KEYS,
    *DATE_KEYS,
}


def _int(value, errors: dict, name: str, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        errors[name] = [_("Enter a whole number.")]
        return None
    if int(value) < minimum:
        errors[name] = [_("Enter a number of at least %(minimum)s.") % {"minimum": minimum}]
        return None
    return int(value)


def _choices(value, allowed, errors: dict, name: str) -> list:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or any(item not in allowed for item in value):
        errors[name] = [_("Choose among the listed values.")]
        return []
    return list(dict.fromkeys(value))


def clean_criteria(raw: dict, *, site_ids: set[int], kit_type_ids: set[int]) -> dict:
    """The criteria in their stored shape, or ValidationError naming each bad key (`criteria.<key>`).

    `site_ids`: the sites the planner may target; `kit_type_ids`: the kit types `not_served_kit_type` may name.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        raise ValidationError({"criteria": [_("Give the criteria as an object.")]})
    if raw == {}:
        return {}  # no criteria: a list supplied household by household (the partner API)
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        errors["criteria"] = [_("Unknown criteria: %(names)s.") % {"names": ", ".join(unknown)}]
    clean: dict = {}
    sites = raw.get("sites")
    if not sites or not isinstance(sites, list) or any(not isinstance(s, int) or s not in site_ids for s in sites):
        errors["sites"] = [_("Choose at least one site you may target.")]
    else:
        clean["sites"] = sorted(set(sites))
    for name, allowed in (
        ("displacement_status", DisplacementStatus.values),
        ("vulnerability_any", VULNERABILITY_FIELDS),
    ):
        if chosen := _choices(raw.get(name), allowed, errors, name):
            clean[name] = chosen
    for name in INT_KEYS:
        value = _int(raw.get(name), errors, name, minimum=1)
        if value is not None:
            clean[name] = value
    if clean.get("size_min") and clean.get("size_max") and clean["size_max"] < clean["size_min"]:
        errors["size_max"] = [_("The largest size cannot be below the smallest.")]
    members = raw.get("members_min") or {}
    if not isinstance(members, dict) or any(key not in SADD_FIELDS for key in members):
        errors["members_min"] = [_("Name sex-and-age counts among %(names)s.") % {"names": ", ".join(SADD_FIELDS)}]
    else:
        counts = {key: _int(value, errors, f"members_min.{key}", minimum=1) for key, value in members.items()}
        if counts := {key: value for key, value in counts.items() if value}:
            clean["members_min"] = counts
    for name in DATE_KEYS:
        if raw.get(name):
            try:
                clean[name] = datetime.date.fromisoformat(str(raw[name])).isoformat()
            except ValueError:
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
    if clean.get("registered_from", "") > clean.get("registered_to", "9999"):
        errors["registered_to"] = [_("The end cannot be before the start.")]
    kit = raw.get("not_served_kit_type")
    if kit not in (None, ""):
        if not clean.get("not_served_days"):
            errors["not_served_kit_type"] = [_("Give the number of days too.")]
        elif not isinstance(kit, int) or kit not in kit_type_ids:
            errors["not_served_kit_type"] = [_("Choose a kit type.")]
        else:
            clean["not_served_kit_type"] = kit
    if errors:
        raise ValidationError({f"criteria.{name}" if name != "criteria" else name: v for name, v in errors.items()})
    return clean


def clean_rules(raw: dict, *, items: list[DistributionItem]) -> dict:
    """Entitlement rules in their stored shape ({str(kit type id): {"size_min": n, "quantity": q}}), or
    ValidationError naming `rules.<kit type id>`: a rule names a planned kit type, a size of at least 1 and a
    quantity of at least 1."""
    if not isinstance(raw, dict):
        raise ValidationError({"rules": [_("Give the rules as an object.")]})
    planned = {str(item.kit_type_id) for item in items}
    errors: dict[str, list[str]] = {}
    clean = {}
    for key, rule in raw.items():
        name = f"rules.{key}"
        if str(key) not in planned:
            errors[name] = [_("This kit type is not planned in the distribution.")]
            continue
        if not isinstance(rule, dict):
            errors[name] = [_("Give the smallest household size and the quantity.")]
            continue
        local: dict[str, list[str]] = {}
        size = _int(rule.get("size_min"), local, "size_min", minimum=1)
        quantity = _int(rule.get("quantity"), local, "quantity", minimum=1)
        if local or size is None or quantity is None:
            errors[name] = [_("Give the smallest household size and the quantity (whole numbers, at least 1).")]
            continue
        clean[str(key)] = {"size_min": size, "quantity": quantity}
    if errors:
        raise ValidationError(errors)
    return clean


def households_q(criteria: dict, distribution: Distribution, prefix: str = "") -> Q:
    """The criteria as a filter on Household (`prefix` "household__" from a related model). Active only."""
    if not criteria:
        return Q(pk__in=[])  # a supplied list: the criteria select nobody
    p = prefix
    q = Q(**{f"{p}is_active": True, f"{p}site_id__in": criteria["sites"]})
    if statuses := criteria.get("displacement_status"):
        q &= Q(**{f"{p}displacement_status__in": statuses})
    if flags := criteria.get("vulnerability_any"):
        any_flag = Q()
        for flag in flags:
            any_flag |= Q(**{f"{p}{flag}": True})
        q &= any_flag
    if "size_min" in criteria:
        q &= Q(**{f"{p}household_size__gte": criteria["size_min"]})
    if "size_max" in criteria:
        q &= Q(**{f"{p}household_size__lte": criteria["size_max"]})
    for field, minimum in (criteria.get("members_min") or {}).items():
        q &= Q(**{f"{p}{field}__gte": minimum})
    if start := criteria.get("registered_from"):
        q &= Q(**{f"{p}registered_at__gte": _midnight(start)})
    if end := criteria.get("registered_to"):
        q &= Q(**{f"{p}registered_at__lt": _midnight(end) + datetime.timedelta(days=1)})
    if days := criteria.get("not_served_days"):
        served = Receipt.objects.filter(
            household=OuterRef(f"{p}pk" if p else "pk"),
            distribution__project_id=distribution.project_id,
            voided_at__isnull=True,
            received_at__gte=timezone.now() - datetime.timedelta(days=days),
        ).exclude(distribution_id=distribution.pk)
        if kit := criteria.get("not_served_kit_type"):
            served = served.filter(kit_type_id=kit)
        q &= ~Exists(served)
    return q


def _midnight(day: str) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(), tzinfo=datetime.UTC)


def entitlement_expression(item: DistributionItem, rule: dict | None, size: str = "household_size"):
    """A household's quantity of `item`'s kit type as an SQL expression over the column `size`: the rule's
    quantity for households of its size or more, else the item's basis (fixed, or per member up to the maximum)."""
    if item.entitlement_basis == DistributionItem.Basis.PER_MEMBER:
        base = F(size) * Value(item.entitlement_quantity)
        if item.entitlement_maximum:
            base = Least(base, Value(item.entitlement_maximum))
    else:
        base = Value(item.entitlement_quantity)
    if rule:
        return Case(
            When(**{f"{size}__gte": rule["size_min"]}, then=Value(rule["quantity"])),
            default=base,
            output_field=IntegerField(),
        )
    return base
