"""Reads on households, built on the scoping in accounts/selectors.py."""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import visible_households
from beneficiaries import codes, matching
from beneficiaries.models import Household
from sites.models import Site

SEARCH_LIMIT = 20


def visible_household_matches(user: User, site: Site, query: str, limit: int = SEARCH_LIMIT) -> list[Household]:
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


def visible_household(user: User, pk: int) -> Household:
    """One household the user may see (Household.DoesNotExist otherwise)."""
    return visible_households(user).select_related("site__admin_area").get(pk=pk)


def visible_households_for_cards(
    user: User, *, site: Site | None = None, ids: list[int] | None = None
) -> QuerySet[Household]:
    households = visible_households(user).filter(is_active=True).select_related("site").order_by("head_name", "id")
    if site is not None:
        households = households.filter(site=site)
    if ids:
        households = households.filter(pk__in=ids)
    return households


def visible_households_offline(user: User, site: Site) -> QuerySet[Household]:
    """The compact list a phone keeps for working offline at a site."""
    return (
        visible_households(user)
        .filter(site=site, is_active=True)
        .order_by("id")
        .values("id", "registration_code", "head_name", "phone", "household_size")
    )
