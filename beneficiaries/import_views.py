"""Pages for registration imports and the duplicate review. Thin: scoping from accounts/selectors.py,
writes through beneficiaries/imports/jobs.py and beneficiaries/duplicate_services.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts import selectors
from beneficiaries import duplicate_services
from beneficiaries.imports import jobs
from beneficiaries.imports import mapping as mappings
from beneficiaries.imports.errors_file import write_errors_workbook
from beneficiaries.imports.mapping import IMPORT_FIELDS
from beneficiaries.models import DuplicateReview, ImportJob, ImportRow


class UploadForm(forms.Form):
    # Labels are lazy: the class is built at import time, before any request picks a language.
    file = forms.FileField(label=gettext_lazy("Registration list (CSV or XLSX)"))
    source = forms.CharField(
        label=gettext_lazy("Source (e.g. the KoboToolbox form or the partner's name)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The column mapping is remembered for the next file from the same source."),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            jobs.check_upload(uploaded)  # size and type, the same check as the API's
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        return uploaded


def _importer(request):
    if not selectors.can_import_households(request.user):
        raise PermissionDenied
    return request.user


def _job(request, pk: int) -> ImportJob:
    return get_object_or_404(selectors.visible_import_jobs(_importer(request)), pk=pk)


MAX_NOTED_ROWS = 200


@login_required
def import_list(request):
    user = _importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.create_job(
                uploaded=form.cleaned_data["file"], created_by=user, source=form.cleaned_data["source"]
            )
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("imports:mapping", pk=job.pk)
    recent = selectors.visible_import_jobs(user).order_by("-created_at")[:20]
    return render(request, "imports/list.html", {"form": form, "jobs": recent})


@login_required
def import_mapping(request, pk: int):
    job = _job(request, pk)
    if job.status not in (ImportJob.Status.MAPPING, ImportJob.Status.VALIDATED, ImportJob.Status.FAILED):
        return redirect("imports:detail", pk=job.pk)
    errors = []
    mapping = dict(job.mapping)
    if request.method == "POST":
        mapping = {
            header: request.POST.get(f"column-{index}", "") for index, header in enumerate(job.headers) if header
        }
        try:
            jobs.set_mapping(job, mapping, by=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            jobs.send_after_commit(job.pk)
            return redirect("imports:detail", pk=job.pk)
    report = {entry["column"]: entry for entry in mappings.columns_report(job.headers, mapping, job.source)}
    columns = [
        {"index": index, "header": header, "field": mapping.get(header, ""), "report": report.get(header, {})}
        for index, header in enumerate(job.headers)
        if header
    ]
    return render(
        request,
        "imports/mapping.html",
        {"job": job, "columns": columns, "fields": IMPORT_FIELDS.items(), "errors": errors},
    )


def _status(job: ImportJob) -> dict:
    running = job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)
    if job.status == ImportJob.Status.VALIDATING:
        done, total = job.checked_rows, max(job.total_rows, job.checked_rows)
    else:
        done, total = job.committed_through and job.committed_through - 1, job.total_rows
    return {
        "status": job.status,
        "status_display": job.get_status_display(),
        "running": running,
        "done": done,
        "total": total,
        "total_rows": job.total_rows,
        "invalid_rows": job.invalid_rows,
        "created": job.created_count,
        "flagged": job.flagged_count,
        "held": job.held_count,
        "error": job.error,
    }


@login_required
@require_safe
def import_detail(request, pk: int):
    job = _job(request, pk)
    refused = ImportRow.objects.filter(job=job, outcome=ImportRow.Outcome.INVALID).order_by("row_number")
    page = Paginator(refused, 100).get_page(request.GET.get("page"))
    columns = mappings.columns_report(job.headers, job.mapping, job.source)
    noted = ImportRow.objects.filter(job=job).exclude(notes=[]).order_by("row_number")[:MAX_NOTED_ROWS]
    return render(
        request,
        "imports/detail.html",
        {"job": job, "state": _status(job), "page": page, "columns": columns, "noted": noted},
    )


@login_required
@require_safe
def import_status(request, pk: int):
    return JsonResponse(_status(_job(request, pk)))


@login_required
@require_POST
def import_start(request, pk: int):
    job = _job(request, pk)
    try:
        jobs.start_import(job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        jobs.send_after_commit(job.pk)
    return redirect("imports:detail", pk=job.pk)


@login_required
@require_safe
def import_errors(request, pk: int):
    job = _job(request, pk)
    if not job.invalid_rows:
        raise Http404
    path = write_errors_workbook(job)
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    name = f"refused-rows-{job.pk}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)


def _reviewer(request):
    if not selectors.can_review_duplicates(request.user):
        raise PermissionDenied
    return request.user


@login_required
@require_safe
def review_list(request):
    reviews = (
        selectors.visible_duplicate_reviews(_reviewer(request))
        .filter(status=DuplicateReview.Status.PENDING)
        .select_related("household", "candidate", "site")
        .order_by("-likelihood", "id")
    )
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    return render(request, "imports/review_list.html", {"page": page})


@login_required
def review_detail(request, pk: int):
    user = _reviewer(request)
    review = get_object_or_404(
        selectors.visible_duplicate_reviews(user).select_related("household__site", "candidate__site"), pk=pk
    )
    if request.method == "POST" and review.status == DuplicateReview.Status.PENDING:
        action = request.POST.get("action")
        try:
            if action == "distinct":
                duplicate_services.confirm_distinct(review, decided_by=user)
                messages.success(request, _("Recorded: two different households."))
            elif action == "discard":
                duplicate_services.discard_held(review, decided_by=user)
                messages.success(request, _("The held registration was discarded."))
            elif action in ("merge-candidate", "merge-new"):
                keep = review.household if action == "merge-new" else review.candidate
                merge = duplicate_services.merge_flagged(review, decided_by=user, keep=keep)
                messages.success(
                    request,
                    _("Merged into %(code)s: %(moved)s receipts moved, %(voided)s voided as double.")
                    % {"code": merge.kept.display_code, "moved": merge.receipts_moved, "voided": merge.receipts_voided},
                )
            else:
                raise ValidationError(_("Choose what to do with this case."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("imports:review-detail", pk=review.pk)
        return redirect(reverse("imports:review-list"))
    fields = review.submitted_fields if review.kind == DuplicateReview.Kind.HELD else None
    return render(request, "imports/review_detail.html", {"review": review, "submitted": fields})
