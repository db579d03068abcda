"""Sign-in lockouts (django-axes): who is locked (PairAndAddressHandler) and what a locked-out sign-in
answers (lockout_response): 429, a page for people, problem JSON for the API."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    headers = {"Retry-After": str(minutes * 60)}
    if request.path.startswith("/api/"):
        body = {
            "type": "about:blank",
            "title": _("Too many failed sign-ins"),
            "status": 429,
            "detail": _("Signing in to this account or from this address is paused for %(minutes)s minutes.")
            % {"minutes": minutes},
            "code": "locked_out",
        }
        return JsonResponse(body, status=429, content_type="application/problem+json", headers=headers)
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response


class PairAndAddressHandler(AxesDatabaseHandler):
    """django-axes' database handler, locking an account at one address, and an address at a higher limit.

    AXES_LOCKOUT_PARAMETERS locks the (username, address) pair after AXES_FAILURE_LIMIT failures: five
    failures on one account from a field office's shared address no longer lock every officer behind
    it (issue 12). The address alone is locked after AXES_ADDRESS_FAILURE_LIMIT failures on any
    accounts (default 50), so that one address still cannot try passwords on account after account.
    Both for AXES_COOLOFF_TIME hours; counted from axes' AccessAttempt rows (one per username, address
    and user agent).
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair = super().get_failures(request, credentials)
        address_limit = getattr(settings, "AXES_ADDRESS_FAILURE_LIMIT", 50)
        address = (
            AccessAttempt.objects.filter(ip_address=request.axes_ip_address).aggregate(
                total=Sum("failures_since_start")
            )["total"]
            or 0
        )
        if address >= address_limit:
            return max(pair, get_failure_limit(request, credentials))
        return pair
