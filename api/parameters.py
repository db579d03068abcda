"""Which query parameters an endpoint knows: any other is a 400 naming it, never a silently ignored filter.

A typo (`recieved_after=`) or a filter that does not exist used to answer 200 with every row (issue 18),
so a partner's nightly pull could copy the whole table believing it had filtered. One check, run by
`PartnerApiMixin.initial` on every GET and HEAD of the partner API; the known names come from what the
view already declares, never from a second list kept by hand:

* a view with a `filterset_class`: its filters, plus the pagination's `cursor` and `page_size`, plus
  `ordering` when it orders (`OrderingFilter`);
* a view with `query_parameters` (a form class or an iterable of names): those names;
* a paginated view without filters: its pagination (and ordering) only;
* on every view: `format` (DRF's renderer override) and `bom` (a byte-order mark on CSV downloads).

A view declaring neither (an endpoint that reads no parameter, or one not yet converted) is not checked.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

ALWAYS_KNOWN = frozenset({"format", "bom"})


def known_parameters(view) -> frozenset[str] | None:
    """The query parameter names `view` reads, or None when it declares none (then nothing is checked)."""
    names: set[str] = set()
    declared = False
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        names.update(filterset_class.base_filters)
        declared = True
    declared_parameters = getattr(view, "query_parameters", None)
    if declared_parameters is not None:
        base_fields = getattr(declared_parameters, "base_fields", None)  # a form class
        names.update(base_fields if base_fields is not None else declared_parameters)
        declared = True
    paginator = getattr(view, "paginator", None)
    if not declared and paginator is None:
        return None
    if paginator is not None:
        for attribute in ("cursor_query_param", "page_size_query_param", "page_query_param", "limit_query_param"):
            if getattr(paginator, attribute, None):
                names.add(getattr(paginator, attribute))
    if any(issubclass(backend, OrderingFilter) for backend in getattr(view, "filter_backends", ())):
        names.add(settings.REST_FRAMEWORK.get("ORDERING_PARAM", "ordering"))
    return frozenset(names | ALWAYS_KNOWN)


def check_query_parameters(request, view) -> None:
    """Raise a 400 (ValidationError, one field error per unknown name) on a GET or HEAD naming a parameter
    the view does not know."""
    if request.method not in ("GET", "HEAD"):
        return
    known = known_parameters(view)
    if known is None:
        return
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ValidationError(
            {
                name: [
                    _("Unknown query parameter. This endpoint knows: %(known)s.") % {"known": ", ".join(sorted(known))}
                ]
                for name in unknown
            }
        )
