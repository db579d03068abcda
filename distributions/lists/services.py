"""Writes on distribution lists: plan a distribution with its criteria, approve (freeze) the list, change it
afterwards with a reason, override it for one household, close an officer's day.

Who may do each is decided by the caller with accounts.selectors (can_manage_lists, can_override_list); what is
valid is decided here, every error named by field (ValidationError), nothing half-written (one transaction each).
"""

import uuid

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import visible_sites
from beneficiaries.models import VULNERABILITY_FIELDS, Household
from distributions.lists import criteria as rules_sql
from distributions.lists.models import DayClosure, DistributionList, ListChange, ListedHousehold, ListedKit
from distributions.lists.selectors import selection_counts, tally
from distributions.models import Distribution, Receipt
from distributions.plans import create_distribution
from kits.models import KitType
from stock.selectors import distribution_stock, project_stock

FROZEN_FIELDS = ("site_id", "household_size", "displacement_status", *VULNERABILITY_FIELDS)


def kits_without_stock(distribution: Distribution) -> list[str]:
    """Codes of planned kit types of which the project has no stock of the kit's category (issue 20): nothing in
    its warehouses and nothing dispatched to this distribution. approve_list refuses a list whose
    distribution plans one (`items`). A project that tracks no stock at all (no movement recorded) is never short:
    stock is optional, and a project recording only receipts plans as before."""
    stock = project_stock(distribution.project_id)
    if not stock:
        return []
    sent = distribution_stock(distribution.pk)
    items = distribution.items.select_related("kit_type")
    category_of = dict(KitType.objects.filter(pk__in=stock.keys() | sent.keys()).values_list("pk", "category"))
    available = {
        category_of[kit_type_id]
        for kit_type_id in stock.keys() | sent.keys()
        if stock.get(kit_type_id, {}).get("on_hand", 0) > 0 or sent.get(kit_type_id, {}).get("dispatched", 0) > 0
    }
    return sorted(item.kit_type.code for item in items if item.kit_type.category not in available)


def _ints(values) -> list[int]:
    return [value for value in values or [] if isinstance(value, int) and not isinstance(value, bool)]


def _check_dates(project, start, end) -> None:
    errors = {}
    for name, day in (("planned_start", start), ("planned_end", end)):
        if day and not (project.start_date <= day <= project.end_date):
            errors[name] = [
                _("The project runs from %(start)s to %(end)s: plan within it.")
                % {"start": project.start_date.isoformat(), "end": project.end_date.isoformat()}
            ]
    if errors:
        raise ValidationError(errors)


def _clean(distribution: Distribution, by: User, criteria: dict, rules: dict) -> tuple[dict, dict]:
    items = list(distribution.items.all())
    # The sites the planner may target: those it sees (administrators: every site).
    site_ids = set(visible_sites(by).filter(pk__in=_ints(criteria.get("sites"))).values_list("pk", flat=True))
    kit_ids = set(KitType.objects.values_list("pk", flat=True))
    errors = {}
    clean_criteria = clean_rules = {}
    try:
        clean_criteria = rules_sql.clean_criteria(criteria, site_ids=site_ids, kit_type_ids=kit_ids)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        clean_rules = rules_sql.clean_rules(rules or {}, items=items)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return clean_criteria, clean_rules


@transaction.atomic
def plan_distribution(*, created_by: User, project, items: list[dict], criteria: dict, rules: dict, **fields):
    """Plan a distribution in the app (issue 19): the distribution (plans.create_distribution), dates within the
    project, and its draft list. Returns the DistributionList. ValidationError names each bad field."""
    _check_dates(project, fields.get("planned_start"), fields.get("planned_end"))
    if not items:
        raise ValidationError({"items": [_("Plan at least one kit type.")]})
    # Planned totals are placeholders until the list is approved: then they come from the list.
    items = [{"planned_quantity": 1, **item} for item in items]
    distribution = create_distribution(created_by=created_by, project=project, items=items, **fields)
    return save_list(distribution, by=created_by, criteria=criteria, rules=rules)


@transaction.atomic
def save_list(
    distribution: Distribution, *, by: User, criteria: dict, rules: dict, supervisors: list[User] | None = None
) -> DistributionList:
    """Create or change a distribution's draft list (criteria, entitlement rules, supervisors). An approved list
    is frozen: ValidationError (`criteria`). Criteria that select nobody are an error (`criteria`)."""
    dlist, _created = DistributionList.objects.select_for_update().get_or_create(
        distribution=distribution, defaults={"created_by": by}
    )
    if dlist.is_approved:
        raise ValidationError({"criteria": [_("This list is approved: add or remove households with a reason.")]})
    dlist.criteria, dlist.rules = _clean(distribution, by, criteria, rules)
    if dlist.criteria and selection_counts(dlist)["households"] == 0:
        raise ValidationError({"criteria": [_("These criteria select no household.")]})
    dlist.save()
    if supervisors is not None:
        dlist.supervisors.set(supervisors)
    return dlist


def _insert_selected(dlist: DistributionList, households) -> int:
    """INSERT … SELECT the households (a queryset) into the list with their frozen figures, then their kits."""
    # A list without rows yet needs no "has it already this kit?" test on each row (a third of a freeze's time).
    first = not ListedHousehold.objects.filter(dlist=dlist).exists()
    try:
        sql, params = households.values_list("pk", *FROZEN_FIELDS).order_by().query.sql_with_params()
    except EmptyResultSet:  # criteria that cannot select anyone (a supplied list's `{}`)
        return 0
    columns = ", ".join(["household_id", *FROZEN_FIELDS])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ListedHousehold._meta.db_table} (dlist_id, {columns}) "  # noqa: S608 - our own SQL
            f"SELECT %s, q.* FROM ({sql}) q ON CONFLICT (dlist_id, household_id) DO NOTHING",
            [dlist.pk, *params],
        )
        inserted = cursor.rowcount
    _insert_kits(dlist, every_row=first)
    return inserted


def _insert_kits(dlist: DistributionList, *, every_row: bool) -> None:
    """Each listed household's kits, by the list's rules over its frozen size, where it has none of the type yet
    (`every_row`: the list was empty before this insert, so no row has any)."""
    for item in dlist.distribution.items.all():
        listed = ListedHousehold.objects.filter(dlist=dlist)
        if not every_row:
            listed = listed.exclude(kits__kit_type_id=item.kit_type_id)
        quantity = rules_sql.entitlement_expression(item, dlist.rules.get(str(item.kit_type_id)))
        sql, params = listed.annotate(qty=quantity).values_list("pk", "qty").order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {ListedKit._meta.db_table} (listed_id, kit_type_id, quantity) "  # noqa: S608
                f"SELECT q.pk, %s, q.qty FROM ({sql}) q(pk, qty) WHERE q.qty > 0",
                [item.kit_type_id, *params],
            )


def _replan(dlist: DistributionList) -> None:
    """Planned totals come from the list: each kit type's sum over the households on it."""
    totals = dict(
        ListedKit.objects.filter(listed__dlist=dlist, listed__removed_at__isnull=True)
        .values("kit_type_id")
        .annotate(total=Sum("quantity"))
        .values_list("kit_type_id", "total")
        .order_by()
    )
    for item in dlist.distribution.items.all():
        item.planned_quantity = max(totals.get(item.kit_type_id, 0), 1)  # a planned total is at least 1
        item.save(update_fields=["planned_quantity"])


@transaction.atomic
def approve_list(dlist: DistributionList, *, approved_by: User) -> DistributionList:
    """Freeze the households the criteria select, with their entitlements, into the list; record who approved it
    and when; the planned totals then come from the list. ValidationError when already approved (`status`), the
    distribution is closed (`distribution`), a kit lacks stock (`items`) or nobody is selected (`criteria`)."""
    locked = DistributionList.objects.select_for_update().select_related("distribution").get(pk=dlist.pk)
    if locked.is_approved:
        raise ValidationError({"status": [_("This list is already approved.")]})
    if not locked.distribution.is_open:
        raise ValidationError({"distribution": [_("This distribution is closed: its list cannot be approved.")]})
    if short := kits_without_stock(locked.distribution):
        raise ValidationError({"items": [_("No stock of %(codes)s.") % {"codes": ", ".join(short)}]})
    selected = Household.objects.filter(rules_sql.households_q(locked.criteria, locked.distribution))
    _insert_selected(locked, selected)  # with the households supplied while a draft, if any
    if not ListedHousehold.objects.filter(dlist=locked).exists():
        raise ValidationError({"criteria": [_("These criteria select no household.")]})
    locked.status = DistributionList.Status.APPROVED
    locked.approved_by, locked.approved_at = approved_by, timezone.now()
    locked.save()
    _replan(locked)
    return locked


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why.")]})
    return reason[:500]


def _approved(dlist: DistributionList) -> DistributionList:
    locked = DistributionList.objects.select_for_update().select_related("distribution").get(pk=dlist.pk)
    if not locked.is_approved:
        raise ValidationError({"status": [_("Approve the list first.")]})
    return locked


@transaction.atomic
def add_household(dlist: DistributionList, household: Household, *, by: User, reason: str) -> ListChange | None:
    """Add a household to a list, with its entitlements by the list's rules and its figures of today.

    A draft list takes supplied households as they come (a registration system's list: no reason, no change
    recorded; approval adds them to what the criteria select). An approved list records the change, with its
    reason, and the planned totals follow. ValidationError: no reason (`reason`, approved lists), inactive or
    already on the list (`household`)."""
    locked = DistributionList.objects.select_for_update().select_related("distribution").get(pk=dlist.pk)
    reason = _reason(reason) if locked.is_approved else reason
    if not household.is_active:
        raise ValidationError({"household": [_("This household is inactive.")]})
    row = ListedHousehold.objects.filter(dlist=locked, household=household).first()
    if row and row.removed_at is None:
        raise ValidationError({"household": [_("This household is already on the list.")]})
    if row:  # back on the list: figures and entitlements of today
        row.delete()
    _insert_selected(locked, Household.objects.filter(pk=household.pk))
    if not locked.is_approved:
        return None
    _replan(locked)
    return ListChange.objects.create(
        dlist=locked, household=household, kind=ListChange.Kind.ADDED, reason=reason, made_by=by
    )


@transaction.atomic
def remove_household(dlist: DistributionList, household: Household, *, by: User, reason: str) -> ListChange:
    """Take a household off an approved list (its row stays, marked removed). ValidationError: no reason,
    not on the list, or already served in this distribution (void its receipts first)."""
    reason = _reason(reason)
    locked = _approved(dlist)
    row = ListedHousehold.objects.select_for_update().filter(dlist=locked, household=household, removed_at=None).first()
    if row is None:
        raise ValidationError({"household": [_("This household is not on the list.")]})
    if Receipt.objects.filter(distribution_id=locked.distribution_id, household=household, voided_at=None).exists():
        raise ValidationError({"household": [_("This household was served: void its receipts first.")]})
    row.removed_at = timezone.now()
    row.save(update_fields=["removed_at"])
    _replan(locked)
    return ListChange.objects.create(
        dlist=locked, household=household, kind=ListChange.Kind.REMOVED, reason=reason, made_by=by
    )


@transaction.atomic
def override_list(
    dlist: DistributionList, household: Household, *, by: User, reason: str, client_uuid: uuid.UUID | None = None
) -> tuple[ListChange, bool]:
    """Let a household off the list be served (at the plan's entitlement), with a reason: recorded and reported.
    Returns (the override, created); a client UUID already stored returns it (a phone's resend).
    ValidationError: no reason, the household is on the list, or the distribution is closed."""
    if client_uuid and (stored := ListChange.objects.filter(client_uuid=client_uuid).first()):
        if (stored.dlist_id, stored.household_id, stored.kind) != (dlist.pk, household.pk, ListChange.Kind.OVERRIDE):
            raise ValidationError({"client_uuid": [_("This client UUID already names another change.")]})
        return stored, False
    reason = _reason(reason)
    locked = _approved(dlist)
    if not locked.distribution.is_open:
        raise ValidationError({"distribution": [_("This distribution is closed.")]})
    if ListedHousehold.objects.filter(dlist=locked, household=household, removed_at=None).exists():
        raise ValidationError({"household": [_("This household is on the list: no override is needed.")]})
    existing = ListChange.objects.filter(dlist=locked, household=household, kind=ListChange.Kind.OVERRIDE).first()
    if existing:
        return existing, False
    change = ListChange.objects.create(
        dlist=locked,
        household=household,
        kind=ListChange.Kind.OVERRIDE,
        reason=reason,
        made_by=by,
        client_uuid=client_uuid or uuid.uuid4(),
    )
    return change, True


@transaction.atomic
def close_day(dlist: DistributionList, *, officer: User, day=None) -> DayClosure:
    """Close an officer's day: its tally (selectors.tally) stored as it stands. Closing again the same day
    stores the tally of then (receipts synced late are counted)."""
    day = day or timezone.localdate(timezone.now(), dlist.distribution.site.zone)
    figures = tally(dlist, officer, day)
    figures["kits"] = {str(key): value for key, value in figures["kits"].items()}
    closure, _created = DayClosure.objects.update_or_create(
        dlist=dlist, officer=officer, day=day, defaults={"tally": figures}
    )
    return closure
