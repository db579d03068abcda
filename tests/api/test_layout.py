"""Every partner endpoint lives in api/ and shares its base (issue 13): a view added elsewhere fails here."""

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from api.base import PartnerApiMixin


def _views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), getattr(entry.callback, "cls", None)


def test_every_drf_view_is_a_partner_view_of_the_api_app():
    strays = []
    partner_routes = 0
    for route, view in _views(get_resolver().url_patterns):
        if view is None or not issubclass(view, APIView) or view.__module__.startswith("drf_spectacular."):
            continue  # pages, the admin, and the schema and its documentation pages
        partner_routes += 1
        if not view.__module__.startswith("api.") or not issubclass(view, PartnerApiMixin):
            strays.append(f"{route}: {view.__module__}.{view.__name__}")
    assert not strays, "DRF views outside api/ or without PartnerApiMixin"
    assert partner_routes >= 20  # the walk found the API (imports, Kobo, progress, reports, the router)
