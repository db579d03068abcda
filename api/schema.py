"""OpenAPI: every operation documents its error responses (problem details) and its headers."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.problems import PROBLEM_CONTENT_TYPE


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a person.")
    code = serializers.CharField(
        help_text="Machine code: invalid, parse_error, not_authenticated, authentication_failed, permission_denied, "
        "not_found, method_not_allowed, not_acceptable, unsupported_media_type, throttled, duplicate_receipt, "
        "client_uuid_conflict, precondition_failed, idempotency_key_reused, request_in_progress."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field errors for 400: field name to messages.",
    )
    existing = serializers.DictField(
        required=False,
        help_text="For duplicate_receipt: received_at, recorded_by and receipt_id of the stored receipt.",
    )


_DESCRIPTIONS = {
    "400": "Invalid input: field errors in `errors`.",
    "401": "Missing or invalid credentials (send `Authorization: Token <key>`).",
    "403": "Authenticated, but this role may not do this.",
    "404": "No such object within your scope (or an invalid cursor).",
    "405": "Method not allowed.",
    "406": "The Accept header names no media type this endpoint produces.",
    "409": "Conflict: a duplicate receipt, a client UUID naming another receipt, or a request with this "
    "Idempotency-Key still in progress.",
    "412": "If-Match names an outdated version.",
    "415": "The body must be application/json (multipart/form-data for an import's file).",
    "422": "This Idempotency-Key was used with a different request.",
    "429": "Too many requests: wait for Retry-After seconds.",
}


# A viewset's docstring describes its list; drf-spectacular gave it to every operation without a docstring of
# its own, so POST /receipts/ read "Receipts in your scope, newest first" (issue 18). Those operations get
# their own sentence, from the model's name; tests/api/test_schema_exact.py checks each is its own.
ACTION_DESCRIPTIONS = {
    "retrieve": "One {name} in your scope, by its identifier.",
    "create": "Create a {name}.",
    "partial_update": "Change a {name}: only the fields given change.",
    "update": "Replace a {name}.",
    "destroy": "Delete a {name}.",
}


class ApiAutoSchema(AutoSchema):
    def get_description(self) -> str:
        description = super().get_description()
        action = getattr(self.view, "action", None)
        if action not in ACTION_DESCRIPTIONS or description != get_doc(self.view.__class__):
            return description
        try:
            name = self.view.get_queryset().model._meta.verbose_name
        except Exception:
            return description
        return ACTION_DESCRIPTIONS[action].format(name=name)

    def _error_codes(self) -> list[str]:
        codes = ["400", "404", "406", "429"]
        if not self._is_public():
            codes += ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "415", "422"]
        if self.method in ("PUT", "PATCH") and getattr(self.view, "honours_if_match", False):
            codes += ["412"]  # only where If-Match is compared (api/etags.py): a status it can answer
        return codes

    def _is_public(self) -> bool:
        return getattr(self.view, "public_operation", False)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code in responses:
                continue
            response = self._get_response_for_code(ProblemSerializer, code, [PROBLEM_CONTENT_TYPE], direction)
            response["description"] = _DESCRIPTIONS[code]
            responses[code] = response
        return responses

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and not self._is_public():
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    description="Optional. A retry with the same key and body (for a multipart upload: the "
                    "same fields and files) returns the first answer without doing the work twice; the same "
                    "key with another body answers 422.",
                )
            )
        return parameters
