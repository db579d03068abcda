"""Registering households, their history and printable cards. Reads through selectors, writes through services."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import can_register_households, can_see_personal_data, visible_sites
from beneficiaries.forms import HouseholdForm
from beneficiaries.models import Household
from beneficiaries.rules import registration_schema
from beneficiaries.selectors import visible_household, visible_households_for_cards
from beneficiaries.services import register_household, registration_errors
from distributions.household_history import household_changes, sites_printing_head_names
from distributions.models import Distribution
from distributions.selectors import visible_field_distribution, visible_household_receipts, visible_open_distributions
from sites.models import Site

CARDS_PER_PAGE = 60


def _distribution_or_none(request: HttpRequest) -> Distribution | None:
    pk = request.GET.get("distribution") or request.POST.get("distribution")
    if not pk:
        return None
    try:
        return visible_field_distribution(request.user, int(pk))
    except (ValueError, Distribution.DoesNotExist):
        raise Http404 from None


def _site(request: HttpRequest, pk: str | None) -> Site | None:
    if not pk:
        return None
    try:
        return visible_sites(request.user).get(pk=int(pk))
    except (ValueError, Site.DoesNotExist):
        raise Http404 from None


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Register a household on the spot; from a distribution, go straight on to record its receipt."""
    if not can_register_households(request.user):
        raise PermissionDenied
    distribution = _distribution_or_none(request)
    sites = visible_sites(request.user).order_by("name")
    site = distribution.site if distribution else _site(request, request.POST.get("site") or request.GET.get("site"))
    form = HouseholdForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not form.is_valid():
        # Every error at once: the rules (birth year, members) too, on the fields that were readable.
        form.add_service_errors(registration_errors(**form.cleaned_data))
    elif request.method == "POST":
        if site is None:
            form.add_error(None, _("Choose the site where the household lives."))
        else:
            try:
                household = register_household(registered_by=request.user, site=site, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error.message_dict)
            else:
                messages.success(request, _("Household %(code)s is registered.") % {"code": household.display_code})
                if distribution:
                    return redirect("distributions:household", pk=distribution.pk, household_pk=household.pk)
                return redirect("beneficiaries:history", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "distribution": distribution,
        "site": site,
        "sites": sites,
        "rules": registration_schema(),
    }
    return render(request, "field/register.html", context, status=status)


@login_required
@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        household = visible_household(request.user, pk)
    except Household.DoesNotExist:
        raise Http404 from None
    receipts = visible_household_receipts(request.user, household)
    changes = household_changes(request.user, household)
    context = {"household": household, "receipts": receipts, "changes": changes}
    with timezone.override(household.site.zone):  # times as the site's clocks show them
        return render(request, "field/history.html", context)


@login_required
@require_GET
def cards(request: HttpRequest) -> HttpResponse:
    """A printable page of household cards: registration code as text and as a QR code (SVG)."""
    if not can_see_personal_data(request.user):
        raise PermissionDenied
    site = _site(request, request.GET.get("site"))
    ids = [int(value) for value in request.GET.getlist("household") if value.isdigit()]
    if site is None and not ids:
        sites = visible_sites(request.user).order_by("name")
        # The officer's current site first: where their open distributions are.
        current = visible_open_distributions(request.user).values_list("site_id", flat=True).first()
        return render(request, "field/cards_choose.html", {"sites": sites, "current": current})
    households = visible_households_for_cards(request.user, site=site, ids=ids)
    after = request.GET.get("after", "")
    if after.isdigit():
        households = households.filter(pk__gt=int(after)).order_by("pk")
    page = list(households.order_by("pk")[: CARDS_PER_PAGE + 1])
    more = len(page) > CARDS_PER_PAGE
    page = page[:CARDS_PER_PAGE]
    named_sites = sites_printing_head_names({household.site_id for household in page})
    cards = [
        {
            "household": household,
            "qr": segno.make(household.registration_code, error="m").svg_inline(scale=4),
            "head_name": household.head_name if household.site_id in named_sites else "",
        }
        for household in page
    ]
    context = {"site": site, "cards": cards, "next_after": page[-1].pk if more and page else None}
    return render(request, "field/cards.html", context)
