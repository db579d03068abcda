"""RFC 9457 problem details: the one shape of every API error.

    {"type": "...", "title": "...", "status": 400, "detail": "...", "code": "invalid",
     "errors": {"field": ["message"]}}

Services raise Django's ValidationError (field errors), DuplicateReceipt and ClientUuidConflict;
DRF raises its own exceptions. All are turned into problem responses here, so that no view has
to, and an unexpected error is never answered with an HTML page.
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from distributions.services import ClientUuidConflict, DuplicateReceipt
from projects.disclosure import staff_name

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://distribution-tracker.example.org/problems/"


class ApiProblem(exceptions.APIException):
    """An error with its own status and machine code, e.g. 412 precondition failed."""

    def __init__(self, status_code: int, detail: str, code: str, extra: dict | None = None):
        self.status_code = status_code
        self.extra = extra or {}
        super().__init__(detail=detail, code=code)


def problem_body(status: int, detail, code: str, errors: dict | None = None, **extra) -> dict:
    body = {
        "type": PROBLEM_TYPE_BASE + code.replace("_", "-"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(status: int, detail, code: str, errors: dict | None = None, headers=None, **extra) -> Response:
    return Response(
        problem_body(status, detail, code, errors, **extra),
        status=status,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def field_errors(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as {field: [messages]}; nested fields joined with dots."""
    errors: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            errors.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            errors.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return errors


def django_validation_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def duplicate_receipt_detail(error: DuplicateReceipt, user) -> str:
    """The refusal's text for the user: the officer's name only for roles that see staff names."""
    return error.describe(staff_name(error.existing.recorded_by, user))


def duplicate_receipt_extra(error: DuplicateReceipt, user) -> dict:
    """The stored receipt a duplicate collides with; the officer's name only for roles that see staff names."""
    existing = error.existing
    return {
        "received_at": timezone.localtime(existing.received_at).isoformat(),
        "recorded_by": staff_name(existing.recorded_by, user),
        "receipt_id": existing.pk,
    }


def exception_handler(exc, context) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API error as problem details."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        errors = django_validation_errors(exc)
        return problem_response(400, "The request has invalid fields.", "invalid", errors)
    if isinstance(exc, DuplicateReceipt):
        set_rollback()
        user = context["request"].user
        return problem_response(
            409, duplicate_receipt_detail(exc, user), "duplicate_receipt", existing=duplicate_receipt_extra(exc, user)
        )
    if isinstance(exc, ClientUuidConflict):
        set_rollback()
        errors = {"client_uuid": [str(exc)]}
        return problem_response(409, str(exc), "client_uuid_conflict", errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real server error: Django's 500 handling and logging
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(400, "The request has invalid fields.", "invalid", field_errors(exc.detail), headers)
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    extra = getattr(exc, "extra", {})
    return problem_response(exc.status_code, exc.detail, code, headers=headers, **extra)


@csrf_exempt  # a 404 for every method: never the CSRF failure page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any unknown address under /api/: a problem, not an HTML page."""
    body = problem_body(404, "No API resource at this address.", "not_found")
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
