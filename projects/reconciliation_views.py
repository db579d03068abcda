"""The printable reconciliation of a distribution (issue 20): here, not in distributions, because the PDF is
drawn with the donor report's PDF helpers (projects/reports/), which distributions may not import."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from accounts.selectors import visible_reconciliations
from projects.reports import reconciliation_pdf


@login_required
@require_safe
def reconciliation_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF in the user's language; 404 for a distribution outside accounts.selectors.visible_reconciliations."""
    distribution = visible_reconciliations(request.user).select_related("site").filter(pk=pk).first()
    if distribution is None:
        raise Http404
    response = HttpResponse(reconciliation_pdf.build(distribution), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reconciliation-{distribution.pk}.pdf"'
    return response
