"""The result pages (issue 21): report a result, see the list, correct a returned one, approve or return one,
download its evidence. Thin: scope from accounts/selectors.py, reads from selectors.py, writes from services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors as scope
from projects.indicators import selectors, services
from projects.indicators.forms import ResultForm, ReturnForm
from projects.indicators.models import IndicatorResult


def _reporter(request: HttpRequest) -> None:
    if not scope.can_report_results(request.user):
        raise PermissionDenied


@login_required
@require_safe
def result_list(request: HttpRequest) -> HttpResponse:
    _reporter(request)
    status = request.GET.get("status", "")
    if status not in IndicatorResult.Status.values:
        status = ""
    before = request.GET.get("before", "")
    results = selectors.results_page(request.user, status=status, before=int(before) if before.isdigit() else None)
    context = {
        "results": results,
        "to_review": selectors.to_review(request.user),
        "status": status,
        "statuses": IndicatorResult.Status.choices,
        "next_before": results[-1].pk if len(results) == selectors.PAGE_SIZE else None,
    }
    return render(request, "indicators/list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    _reporter(request)
    form = ResultForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.report_result(
                reported_by=request.user,
                indicator=form.cleaned_data["indicator"],
                handover_to=form.cleaned_data.get("handover_to"),
                **form.service_fields(),
            )
        except ValidationError as error:
            form.add_errors(error)
        else:
            messages.success(request, _("The result is submitted: it counts once a manager approves it."))
            return redirect("indicators:result", pk=result.pk)
    return render(request, "indicators/form.html", {"form": form, "result": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    _reporter(request)
    result = selectors.visible_result(request.user, pk)
    form = ResultForm(request.POST or None, request.FILES or None, instance=result, user=request.user, correcting=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_result(result, corrected_by=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_errors(error)
        else:
            messages.success(request, _("The corrected result is submitted again."))
            return redirect("indicators:result", pk=result.pk)
    return render(request, "indicators/form.html", {"form": form, "result": result})


@login_required
@require_safe
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _reporter(request)
    result = selectors.visible_result(request.user, pk)
    may_review = (
        scope.can_review_results(request.user)
        and result.status == IndicatorResult.Status.SUBMITTED
        and result.submitted_by_id != request.user.pk
    )
    context = {
        "result": result,
        "may_review": may_review,
        "may_correct": result.status != IndicatorResult.Status.APPROVED,
        "return_form": ReturnForm(),
    }
    return render(request, "indicators/detail.html", context)


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (`decision=approve`) or return (`decision=return`, with a `reason`) a submitted result."""
    result = selectors.visible_result(request.user, pk)
    if not scope.can_review_results(request.user):
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    try:
        services.review_result(result, reviewed_by=request.user, approve=approve, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Approved: the result now counts.") if approve else _("Returned to the reporter."))
    return redirect("indicators:result", pk=result.pk)


@login_required
@require_safe
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A result's evidence, as an attachment, for users who may see the result (404 otherwise)."""
    _reporter(request)
    handle, name = selectors.evidence_file(request.user, pk)
    return FileResponse(handle, as_attachment=True, filename=name)
