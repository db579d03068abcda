"""What a locked-out sign-in answers (django-axes calls it): 429, a page for people, problem JSON for the API."""

from django.conf import settings
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
