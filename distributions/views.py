"""Field officers' screens: pick a distribution, find a household, record and void receipts.

Thin: reads through selectors, writes through services. Every action is a plain form, so it
works without JavaScript; static/field/field.js only makes it faster and keeps it working offline.
"""

import hashlib
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET, require_POST, require_safe

from accounts.selectors import can_manage_lists, can_record_receipts, can_see_progress, can_see_stock
from beneficiaries.models import Household
from beneficiaries.selectors import visible_household, visible_household_matches, visible_households_offline
from distributions import selectors
from distributions.forms import ReceiveForm, VoidForm
from distributions.lists.selectors import list_status
from distributions.models import Distribution, Receipt, VerificationMethod
from distributions.reconciliation import reconciliation
from distributions.services import ClientUuidConflict, DuplicateReceipt, record_receipt, void_receipt
from distributions.stock_views import warn_beyond_on_site


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own home: field officers on the distribution picker."""
    if not request.user.is_authenticated:
        return redirect("login")
    if can_see_progress(request.user):
        return redirect("dashboard:project-list")
    if can_see_stock(request.user) and not can_record_receipts(request.user):
        return redirect("stock:warehouses")  # storekeepers
    return redirect("distributions:picker")


def _render_at(site, request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render with times in the site's local time zone (Site.zone): what the officer's watch says."""
    with timezone.override(site.zone):
        return render(request, template, context, status=status)


def _distribution(request: HttpRequest, pk: int) -> Distribution:
    try:
        return selectors.visible_field_distribution(request.user, pk)
    except Distribution.DoesNotExist:
        raise Http404 from None


def _household(request: HttpRequest, pk: int) -> Household:
    try:
        return visible_household(request.user, pk)
    except Household.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def picker(request: HttpRequest) -> HttpResponse:
    distributions = selectors.visible_open_distributions(request.user)
    return render(request, "field/picker.html", {"distributions": distributions})


@login_required
@require_GET
def distribution_screen(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = _distribution(request, pk)
    query = request.GET.get("q", "")
    results = visible_household_matches(request.user, distribution.site, query)
    context = {
        "distribution": distribution,
        "progress": selectors.distribution_progress(distribution),
        "sync": selectors.sync_report(distribution),
        "query": query,
        "results": results,
        "served": selectors.served_among(distribution, results),
        "methods": VerificationMethod.choices,
        "on_site": reconciliation(distribution),  # kits left on site (issue 20), empty without dispatches
        "can_manage_lists": can_manage_lists(request.user),  # a link to the distribution's list (issue 19)
    }
    return _render_at(distribution.site, request, "field/distribution.html", context)


@login_required
@require_GET
def search_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The result list alone, fetched as the officer types."""
    distribution = _distribution(request, pk)
    query = request.GET.get("q", "")
    results = visible_household_matches(request.user, distribution.site, query)
    context = {
        "distribution": distribution,
        "query": query,
        "results": results,
        "served": selectors.served_among(distribution, results),
    }
    return _render_at(distribution.site, request, "field/_results.html", context)


def _kit_choices(entitlements: list[dict]) -> list[tuple[str, str]]:
    return [(row["kit_type"].code, f"{row['kit_type'].local_name} × {row['entitled']}") for row in entitlements]


def _household_page(
    request: HttpRequest, distribution: Distribution, household: Household, form=None, status: int = 200
) -> HttpResponse:
    entitlements = selectors.household_entitlements(distribution, household)
    outstanding = [row for row in entitlements if row["receipt"] is None and not row["refusal"]]
    if form is None and outstanding:
        form = ReceiveForm(kit_codes=_kit_choices(outstanding))
    context = {"distribution": distribution, "household": household, "entitlements": entitlements, "form": form}
    context["listing"] = list_status(request.user, distribution, household)  # on the list or not (issue 19)
    return _render_at(distribution.site, request, "field/household.html", context, status=status)


@login_required
@require_GET
def household_screen(request: HttpRequest, pk: int, household_pk: int) -> HttpResponse:
    distribution = _distribution(request, pk)
    return _household_page(request, distribution, _household(request, household_pk))


@login_required
@require_POST
def receive(request: HttpRequest, pk: int, household_pk: int) -> HttpResponse:
    distribution = _distribution(request, pk)
    household = _household(request, household_pk)
    entitlements = selectors.household_entitlements(distribution, household)
    kit_types = {row["kit_type"].code: row["kit_type"] for row in entitlements}
    form = ReceiveForm(request.POST, kit_codes=_kit_choices(entitlements))
    if not form.is_valid():
        return _household_page(request, distribution, household, form, status=400)
    recorded, refused = [], []
    for code in form.cleaned_data["kit_types"]:
        kit_type = kit_types[code]
        try:
            result = record_receipt(
                recorded_by=request.user,
                distribution=distribution,
                household=household,
                kit_type=kit_type,
                verification_method=form.cleaned_data["verification_method"],
                proxy_name=form.cleaned_data["proxy_name"],
                client_uuid=form.client_uuid(code),
            )
            recorded.append(f"{kit_type.local_name} × {result.receipt.quantity}")
        except (DuplicateReceipt, ClientUuidConflict) as error:
            refused.append(f"{kit_type.local_name}: {error}")
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                if field in form.fields:
                    form.add_error(field, field_messages)
                else:
                    refused.extend(f"{kit_type.local_name}: {message}" for message in field_messages)
    if recorded:
        messages.success(
            request,
            _("Recorded for %(household)s: %(kits)s.")
            % {"household": household.display_code, "kits": ", ".join(recorded)},
        )
        warn_beyond_on_site(request, distribution, form.cleaned_data["kit_types"])
    if refused or form.errors:
        for message in refused:
            messages.error(request, message)
        if form.errors:
            return _household_page(request, distribution, household, form, status=400)
        return redirect("distributions:household", pk=distribution.pk, household_pk=household.pk)
    return redirect("distributions:screen", pk=distribution.pk)


@login_required
def void(request: HttpRequest, pk: int, receipt_pk: int) -> HttpResponse:
    distribution = _distribution(request, pk)
    try:
        receipt = selectors.visible_field_receipt(request.user, distribution, receipt_pk)
    except Receipt.DoesNotExist:
        raise Http404 from None
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_receipt(receipt, voided_by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                form.add_error("reason" if field == "reason" else None, field_messages)
        else:
            messages.success(request, _("The receipt is voided."))
            return redirect("distributions:household", pk=distribution.pk, household_pk=receipt.household_id)
    status = 400 if form.errors else 200
    context = {"distribution": distribution, "receipt": receipt, "form": form}
    return _render_at(distribution.site, request, "field/void.html", context, status=status)


def _offline_etag(request: HttpRequest, pk: int) -> str | None:
    try:
        # The kits' names are in the user's language: another language is another list.
        version = selectors.offline_version(selectors.visible_field_distribution(request.user, pk))
        return f"{version}-{translation.get_language()}"
    except Distribution.DoesNotExist:
        return None


@login_required
@require_GET
@condition(etag_func=_offline_etag)
def offline_data(request: HttpRequest, pk: int) -> JsonResponse:
    """What a phone keeps to go on working offline: the plan, entitlement rules and the site's households.

    Answered 304 when nothing changed since the phone's copy (ETag), so refreshing it costs little.
    """
    distribution = _distribution(request, pk)
    received = selectors.received_kits_by_household(distribution)
    items = distribution.items.select_related("kit_type").order_by("kit_type__code")
    data = {
        "distribution": distribution.pk,
        "kits": [
            {
                "code": item.kit_type.code,
                "name": item.kit_type.local_name,
                "per_member": item.entitlement_basis == item.Basis.PER_MEMBER,
                "quantity": item.entitlement_quantity,
                "maximum": item.entitlement_maximum,
            }
            for item in items
        ],
        "households": [
            [
                row["id"],
                row["registration_code"],
                row["head_name"],
                row["phone"],
                row["household_size"],
                received.get(row["id"], []),
            ]
            for row in visible_households_offline(request.user, distribution.site)
        ],
    }
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-cache"
    return response


SHELL_FILES = ("css/app.css", "field/field.js", "field/icon.svg")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /field/ so that it may control the field pages; never cached long, so updates arrive.

    Its version is drawn from the (hashed, in production) static URLs: a deployment that changes them
    installs a fresh shell cache.
    """
    shell = [static(name) for name in SHELL_FILES]
    context = {
        "version": hashlib.sha256("|".join(shell).encode()).hexdigest()[:12],
        "shell_files": json.dumps(shell),
        "static_prefix": settings.STATIC_URL,
    }
    response = render(request, "field/sw.js", context, content_type="text/javascript")
    response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:16]}"'
    response["Cache-Control"] = "no-cache"
    if request.headers.get("If-None-Match") == response["ETag"]:
        return HttpResponseNotModified(headers={"ETag": response["ETag"], "Cache-Control": "no-cache"})
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        {
            "name": _("Distribution tracker"),
            "short_name": _("Distributions"),
            "start_url": reverse("distributions:picker"),
            "scope": "/field/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5394",
            "lang": request.LANGUAGE_CODE,
            "dir": "rtl" if request.LANGUAGE_CODE == "ar" else "ltr",
            "icons": [{"src": static("field/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
    )
    response["Cache-Control"] = "no-cache"
    return response
