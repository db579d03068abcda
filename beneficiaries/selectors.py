"""Reads on households, built on the scoping in accounts/selectors.py."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import can_see_change_history, visible_households
from beneficiaries import codes, matching
from beneficiaries.models import Household
from sites.models import Site

SEARCH_LIMIT = 20


def search_households(user: User, site: Site, query: str, limit: int = SEARCH_LIMIT) -> list[Household]:
    """Households of a site matching a registration code (any typed form), a name or a phone number.

    An exact code is tried first: a scanned card finds its household in one indexed look-up.
    """
    query = query.strip()
    if not query:
        return []
    households = visible_households(user).filter(site=site, is_active=True).order_by("head_name", "id")
    normalised = codes.normalise(query)
    if codes.is_valid(normalised):
        exact = list(households.filter(registration_code=normalised)[:1])
        if exact:
            return exact
    return list(households.filter(search_q(query))[:limit])


def _ascii_digits(text: str) -> str:
    """The digits of `text` in ASCII, whatever the script typed: '٠٧٥٠ ٦٧٩' -> '0750679'."""
    return "".join(str(int(char)) for char in text if char.isdecimal())


def search_q(query: str) -> Q:
    """What a household search matches, as people type it: one rule for the field app and the API.

    - Names: every word typed is found in the head's name key (matching.name_key: transliterated,
      accents and case folded, spelling variants merged), so 'kassogue  ' finds Kassogué and 'Maiga' Maïga.
    - Phones: 8 digits or more (Eastern Arabic digits too; national or international format) match
      the last eight digits (phone_key, indexed); fewer digits match inside the stored E.164 number.
    - Registration codes: the start of any typed form of the code.
    """
    query = " ".join(query.split())
    matches = Q(pk__in=[])
    words = matching.name_words(query)
    if words and any(char.isalpha() for char in query):
        by_name = Q()
        for word in words:
            by_name &= Q(head_name_key__contains=word)
        matches |= by_name
    digits = _ascii_digits(query)
    if len(digits) >= 8:
        matches |= Q(phone_key=digits[-8:])
    elif len(digits) >= 3:
        matches |= Q(phone__contains=digits.lstrip("0") or digits)
    normalised = codes.normalise(query)
    if len(normalised) >= 3:
        matches |= Q(registration_code__startswith=normalised)
    return matches


def household_for(user: User, pk: int) -> Household:
    """One household the user may see (Household.DoesNotExist otherwise)."""
    return visible_households(user).select_related("site__admin_area").get(pk=pk)


def households_for_cards(user: User, *, site: Site | None = None, ids: list[int] | None = None) -> QuerySet[Household]:
    households = visible_households(user).filter(is_active=True).select_related("site").order_by("head_name", "id")
    if site is not None:
        households = households.filter(site=site)
    if ids:
        households = households.filter(pk__in=ids)
    return households


def sites_printing_head_names(site_ids: set[int]) -> set[int]:
    """Sites whose household cards may carry the head's name: at least one project has a distribution there,
    and every such project allows it (Project.cards_show_head_name; the strictest project wins). One query."""
    from distributions.models import Distribution

    allowed: dict[int, bool] = {}
    rows = Distribution.objects.filter(site_id__in=site_ids).values_list("site_id", "project__cards_show_head_name")
    for site_id, allows in rows.distinct():
        allowed[site_id] = allowed.get(site_id, True) and allows
    return {site_id for site_id, allows in allowed.items() if allows}


def site_households_for_offline(user: User, site: Site) -> QuerySet[Household]:
    """The compact list a phone keeps for working offline at a site."""
    return (
        visible_households(user)
        .filter(site=site, is_active=True)
        .order_by("id")
        .values("id", "registration_code", "head_name", "phone", "household_size")
    )


@dataclass
class Change:
    """One entry of a household's audit trail, ready to show."""

    when: object
    who: str
    channel: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)


_HIDDEN_CHANGES = {"updated_at", "household_size"}  # follow from other changes shown


def _shown(model, name: str, value, sites: dict) -> str:
    if value in (None, ""):
        return "—"
    if name == "site":
        return sites.get(value, str(value))
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _who(row) -> str:
    user = row.history_user
    return (user.get_full_name() or user.get_username()) if user else str(_("system"))


def household_changes(user: User, household: Household) -> list[Change]:
    """The audit trail of a household and its receipts, newest first; empty for roles that may not see it.

    Three queries whatever the length: the household's history, its receipts' history, site names.
    """
    if not can_see_change_history(user):
        return []
    from distributions.models import Receipt
    from sites.models import Site

    rows = list(household.history.select_related("history_user").order_by("history_date", "history_id"))
    receipt_rows = list(
        Receipt.history.filter(household_id=household.pk)
        .select_related("history_user", "kit_type")
        .order_by("history_date", "history_id")
    )
    site_ids = {row.site_id for row in rows}
    sites = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name"))
    changes = [_change(row, previous, Household, sites) for previous, row in _pairs(rows)]
    for previous, row in _pairs(receipt_rows):
        change = _change(row, previous, Receipt, sites)
        kit = f"{row.kit_type.name} × {row.quantity}" if row.kit_type else ""
        change.action = f"{change.action}: {_('receipt')} {kit}".strip()
        changes.append(change)
    return sorted(changes, key=lambda change: change.when, reverse=True)


def _pairs(rows: list) -> list[tuple]:
    """(previous version of the same object or None, row), oldest first."""
    latest: dict[int, object] = {}
    pairs = []
    for row in rows:
        pairs.append((latest.get(row.id), row))
        latest[row.id] = row
    return pairs


def _change(row, previous, model, sites: dict) -> Change:
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    change = Change(
        when=row.history_date,
        who=_who(row),
        channel=row.get_channel_display(),
        action=str(actions.get(row.history_type, row.history_type)),
    )
    if previous is not None:
        for diff in row.diff_against(previous).changes:
            if diff.field in _HIDDEN_CHANGES:
                continue
            label = str(model._meta.get_field(diff.field).verbose_name)
            change.fields.append(
                (label, _shown(model, diff.field, diff.old, sites), _shown(model, diff.field, diff.new, sites))
            )
    return change
