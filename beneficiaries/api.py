"""API for registration imports and the KoboToolbox REST Services webhook. Thin: jobs.py does the work.

POST /api/v1/imports/                 multipart: file, source, mapping (JSON, optional), commit (bool)
GET  /api/v1/imports/<id>/            status, counts and refused rows
POST /api/v1/imports/<id>/start/      import the valid rows of a checked file
POST /api/v1/kobo/submissions/?source=<form>   one KoboToolbox submission (JSON), token-protected

KoboToolbox's REST Services send each submission as JSON with group paths in the keys
(`household/head_name`); configure the service with the header `Authorization: Token <token>`
of a field officer or programme manager account.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from beneficiaries.imports import jobs
from beneficiaries.imports import mapping as mappings
from beneficiaries.imports.validation import RowValidator
from beneficiaries.models import ExternalSubmission, ImportJob, ImportRow

MAX_REFUSED_IN_RESPONSE = 500
MAX_ROWS_IN_RESPONSE = 1000


def _importer(request):
    if not selectors.can_import_households(request.user):
        raise PermissionDenied
    return request.user


def job_body(request, job: ImportJob, with_rows: bool = False) -> dict:
    body = {
        "id": job.pk,
        "status": job.status,
        "source": job.source,
        "file": job.original_name,
        "mapping": job.mapping,
        "total_rows": job.total_rows,
        "checked_rows": job.checked_rows,
        "invalid_rows": job.invalid_rows,
        "committed_through_row": job.committed_through,
        "created": job.created_count,
        "flagged_for_review": job.flagged_count,
        "held_as_duplicates": job.held_count,
        "error": job.error,
        "url": request.build_absolute_uri(f"/api/v1/imports/{job.pk}/"),
        "columns": mappings.columns_report(job.headers, job.mapping, job.source),
    }
    if with_rows:
        refused = ImportRow.objects.filter(job=job, outcome=ImportRow.Outcome.INVALID).order_by("row_number")
        body["refused_rows"] = [
            {"row": number, "errors": errors}
            for number, errors in refused.values_list("row_number", "errors")[:MAX_REFUSED_IN_RESPONSE]
        ]
        body["rows"] = row_outcomes(request.user, job)
    return body


def row_outcomes(user, job: ImportJob, limit: int = MAX_ROWS_IN_RESPONSE) -> list[dict]:
    """Each row's outcome, so that a partner can act on it: the household made, the one a held or flagged row
    resembles (its code when the user may see it) and why, refusals and notes. Three queries, whatever the rows.
    """
    rows = list(
        ImportRow.objects.filter(job=job)
        .select_related("household", "review__candidate")
        .order_by("row_number")[:limit]
    )
    candidates = {row.review.candidate_id for row in rows if row.review_id}
    visible = (
        set(selectors.visible_households(user).filter(pk__in=candidates).values_list("pk", flat=True))
        if candidates
        else set()
    )
    answer = []
    for row in rows:
        entry = {"row": row.row_number, "outcome": row.outcome}
        if row.household_id:
            entry["registration_code"] = row.household.display_code
        if row.review_id:
            review = row.review
            entry["review"] = {
                "id": review.pk,
                "kind": review.kind,
                "resembles": review.candidate.display_code if review.candidate_id in visible else None,
                "likelihood": review.likelihood,
                "reasons": review.reasons,
            }
        if row.errors:
            entry["errors"] = row.errors
        if row.notes:
            entry["notes"] = row.notes
        answer.append(entry)
    return answer


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    source = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    mapping = serializers.JSONField(
        required=False, help_text="header -> household field; default: remembered or guessed"
    )
    commit = serializers.BooleanField(default=False, help_text="import the valid rows right after the check")

    def validate_mapping(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError("Give the mapping as a JSON object.") from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise serializers.ValidationError("Give the mapping as a JSON object of header -> field name.")
        return value


class ImportListView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportUploadSerializer

    @extend_schema(request=ImportUploadSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        """Check a file (and import it with `commit`): answers 202 with the job, to follow at its `url`."""
        user = _importer(request)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        with transaction.atomic():
            job = jobs.create_job(uploaded=data["file"], created_by=user, source=data["source"])
            if not data.get("mapping"):
                ignored_before = {header for header, field in mappings.remembered(job.source).items() if not field}
                unmapped = mappings.unmapped_lookalikes(job.headers, job.mapping, ignored_before)
                if unmapped:
                    job.file.delete(save=False)
                    raise ValidationError(
                        {
                            "mapping": [
                                f"{header}: looks like {field} but no field is guessed for it; give a mapping "
                                f'that maps it, or sets it to "" to ignore it.'
                                for header, field in unmapped.items()
                            ]
                        }
                    )
            jobs.set_mapping(job, data.get("mapping") or job.mapping, by=user)
            ImportJob.objects.filter(pk=job.pk).update(import_after_validation=data["commit"])
            jobs.send_after_commit(job.pk)
        return Response(job_body(request, job), status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        job = get_object_or_404(selectors.visible_import_jobs(_importer(request)), pk=pk)
        return Response(job_body(request, job, with_rows=True))


class ImportStartView(APIView):
    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        job = get_object_or_404(selectors.visible_import_jobs(_importer(request)), pk=pk)
        with transaction.atomic():
            job = jobs.start_import(job)
            jobs.send_after_commit(job.pk)
        return Response(job_body(request, job), status=status.HTTP_202_ACCEPTED)


def _flatten(submission: dict) -> dict[str, str]:
    """Kobo keys with their group path; repeat groups (lists) and metadata objects are not household fields."""
    return {
        key: ("" if value is None else str(value))
        for key, value in submission.items()
        if not isinstance(value, list | dict)
    }


class KoboSubmissionView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def post(self, request):
        user = _importer(request)
        if not isinstance(request.data, dict):
            raise ValidationError({"submission": ["Send one submission as a JSON object."]})
        source = (request.query_params.get("source") or "kobo").strip()[:200]
        cells = _flatten(request.data)
        uuid = cells.get("_uuid") or cells.get("meta/instanceID", "").removeprefix("uuid:")
        if not uuid:
            raise ValidationError({"_uuid": ["The submission has no _uuid (or meta/instanceID)."]})
        stored = ExternalSubmission.objects.filter(source=source, submission_uuid=uuid).first()
        if stored:
            return Response(self._body(stored, replay=True), status=status.HTTP_200_OK)
        # The file import's rules: remembered choices (an ignored column stays ignored), exact names, aliases.
        mapping = mappings.propose(list(cells), [], source)
        errors = mappings.check({key: field for key, field in mapping.items() if field})
        if errors:
            raise ValidationError({"mapping": [f"{key}: {reason}" for key, reason in errors.items()]})
        values = jobs.row_values(list(cells), list(cells.values()), mapping)
        result = RowValidator(user, mapping).validate(values)
        try:
            with transaction.atomic():
                if result.errors:
                    outcome, household, review, row_errors = ImportRow.Outcome.INVALID, None, None, result.errors
                else:
                    columns = {field: key for key, field in mapping.items() if field}
                    outcome, household, review, row_errors = jobs.register_row(
                        result.fields, user=user, source=f"kobo:{source}", columns=columns
                    )
                stored = ExternalSubmission.objects.create(
                    source=source,
                    submission_uuid=uuid,
                    received_by=user,
                    outcome=outcome,
                    errors=row_errors,
                    notes=result.notes,
                    household=household,
                    review=review,
                )
        except IntegrityError:  # the same submission, retried while the first was being stored
            stored = ExternalSubmission.objects.get(source=source, submission_uuid=uuid)
            return Response(self._body(stored, replay=True), status=status.HTTP_200_OK)
        code = status.HTTP_400_BAD_REQUEST if outcome == ImportRow.Outcome.INVALID else status.HTTP_201_CREATED
        return Response(self._body(stored, replay=False), status=code)

    def _body(self, stored: ExternalSubmission, replay: bool) -> dict:
        body = {"submission": stored.submission_uuid, "outcome": stored.outcome, "replay": replay}
        if stored.household_id:
            body["registration_code"] = stored.household.display_code
        if stored.review_id:
            body["review"] = stored.review_id
        if stored.errors:
            body["errors"] = stored.errors
        if stored.notes:
            body["notes"] = stored.notes
        return body
