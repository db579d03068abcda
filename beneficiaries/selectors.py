"""Reads on households, built on the scoping in accounts/selectors.py."""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import visible_households
from beneficiaries import codes
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
    matches = Q(head_name__icontains=query)
    digits = "".join(char for char in query if char.isdigit())
    if len(digits) >= 3:
        # Phones are stored as typed ("+223 70 12 34 56"): match the digits whatever separates them.
        matches |= Q(phone__regex=r"\D*".join(digits))
    if len(normalised) >= 3:
        matches |= Q(registration_code__startswith=normalised)
    return list(households.filter(matches)[:limit])


def household_for(user: User, pk: int) -> Household:
    """One household the user may see (Household.DoesNotExist otherwise)."""
    return visible_households(user).select_related("site").get(pk=pk)


def households_for_cards(user: User, *, site: Site | None = None, ids: list[int] | None = None) -> QuerySet[Household]:
    households = visible_households(user).filter(is_active=True).select_related("site").order_by("head_name", "id")
    if site is not None:
        households = households.filter(site=site)
    if ids:
        households = households.filter(pk__in=ids)
    return households


def site_households_for_offline(user: User, site: Site) -> QuerySet[Household]:
    """The compact list a phone keeps for working offline at a site."""
    return (
        visible_households(user)
        .filter(site=site, is_active=True)
        .order_by("id")
        .values("id", "registration_code", "head_name", "phone", "household_size")
    )
