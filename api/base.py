"""What every partner-API view shares: JSON only, throttles, Idempotency-Key on POST, known parameters."""

import contextlib

from django.db import DatabaseError, transaction
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

from api import idempotency
from api.models import IdempotencyRecord
from api.parameters import check_query_parameters
from api.throttling import AnonymousRateThrottle, PartnerRateThrottle


class PartnerApiMixin:
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    throttle_classes = [PartnerRateThrottle, AnonymousRateThrottle]
    _idempotency_record: IdempotencyRecord | None = None
    _idempotency_claim: IdempotencyRecord | None = None

    def dispatch(self, request, *args, **kwargs):
        self._idempotency_record = self._idempotency_claim = None
        if request.method != "POST" or not request.headers.get(idempotency.HEADER):
            return super().dispatch(request, *args, **kwargs)
        # The claim, the work and the stored answer commit together, in one transaction: a server error
        # or a worker that dies anywhere leaves none of them, and the key's lock goes with the connection.
        try:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        finally:
            if self._idempotency_claim is not None:  # after the commit: a retry then finds the answer
                with contextlib.suppress(DatabaseError):  # a lost connection took the lock with it
                    idempotency.release(self._idempotency_claim)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(request, self)  # an unknown parameter is a 400, not every row (api/parameters.py)
        self._idempotency_record = self._idempotency_claim = idempotency.begin(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_record is not None:
            idempotency.finish(self._idempotency_record, response)
            self._idempotency_record = None
        return response
