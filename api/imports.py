"""Registration imports and the KoboToolbox REST Services webhook (thin: beneficiaries/imports does the work).

POST /api/v1/imports/                 multipart: file, source, mapping (JSON, optional), commit (bool)
GET  /api/v1/imports/<id>/            status, counts and refused rows
POST /api/v1/imports/<id>/start/      import the valid rows of a checked file
POST /api/v1/kobo/submissions/?source=<form>   one KoboToolbox submission (JSON), token-protected

KoboToolbox's REST Services send each submission as JSON with group paths in the keys
(`household/head_name`); configure the service with the header `Authorization: Token <token>`
of a field officer or programme manager account. Like every partner endpoint, these share
api/base.py: problem details, throttles and Idempotency-Key on POST (a multipart upload is
fingerprinted by its fields and its files' SHA-256, api/idempotency.py).
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from api.base import PartnerApiMixin
from beneficiaries.imports import jobs, kobo
from beneficiaries.imports import mapping as mappings
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
        "url": request.build_absolute_uri(reverse("v1:import-detail", args=[job.pk])),
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


class ImportListView(PartnerApiMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportUploadSerializer

    @extend_schema(request=ImportUploadSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        """Check a file (and import it with `commit`): answers 202 with the job, to follow at its `url`."""
        user = _importer(request)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        job = jobs.submit_file(
            uploaded=data["file"],
            created_by=user,
            source=data["source"],
            mapping=data.get("mapping"),
            commit=data["commit"],
        )
        return Response(job_body(request, job), status=status.HTTP_202_ACCEPTED)


class ImportDetailView(PartnerApiMixin, APIView):
    query_parameters = ()  # reads none: any parameter is a 400 (api/parameters.py)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        """One import job of the caller's: its status, counts and each row's outcome (the first rows)."""
        job = get_object_or_404(selectors.visible_import_jobs(_importer(request)), pk=pk)
        return Response(job_body(request, job, with_rows=True))


class ImportStartView(PartnerApiMixin, APIView):
    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        """Import a checked job's valid rows (202: a worker imports them; poll the job for its outcome)."""
        job = get_object_or_404(selectors.visible_import_jobs(_importer(request)), pk=pk)
        with transaction.atomic():
            job = jobs.start_import(job)
            jobs.send_after_commit(job.pk)
        return Response(job_body(request, job), status=status.HTTP_202_ACCEPTED)


class KoboQuerySerializer(serializers.Serializer):
    source = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class KoboSubmissionView(PartnerApiMixin, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[OpenApiParameter("source", OpenApiTypes.STR, description="The form (default: kobo)")],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        """One KoboToolbox submission: 201 registered (or held), 200 a retry of a known one, 400 refused."""
        user = _importer(request)
        if not isinstance(request.data, dict):
            raise ValidationError({"submission": ["Send one submission as a JSON object."]})
        query = KoboQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)  # a NUL or an overlong form name is a 400 naming `source`
        source = query.validated_data["source"] or kobo.DEFAULT_SOURCE
        stored, replay = kobo.receive_submission(request.data, user=user, source=source)
        if replay:
            code = status.HTTP_200_OK
        elif stored.outcome == ImportRow.Outcome.INVALID:
            code = status.HTTP_400_BAD_REQUEST
        else:
            code = status.HTTP_201_CREATED
        return Response(submission_body(stored, replay=replay), status=code)


def submission_body(stored: ExternalSubmission, replay: bool) -> dict:
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
