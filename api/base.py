"""What every partner-API view shares: JSON only, throttles, Idempotency-Key on POST."""

import contextlib

from django.db import DatabaseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

from api import idempotency
from api.models import IdempotencyRecord
from api.throttling import AnonymousRateThrottle, PartnerRateThrottle


class PartnerApiMixin:
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    throttle_classes = [PartnerRateThrottle, AnonymousRateThrottle]
    _idempotency_record: IdempotencyRecord | None = None

    def dispatch(self, request, *args, **kwargs):
        self._idempotency_record = None
        try:
            return super().dispatch(request, *args, **kwargs)
        except Exception:
            if self._idempotency_record is not None:  # a server error: release the key for a retry
                with contextlib.suppress(DatabaseError):  # a broken transaction: its rollback drops it
                    IdempotencyRecord.objects.filter(pk=self._idempotency_record.pk).delete()
                with contextlib.suppress(DatabaseError):  # a lost connection took the lock with it
                    idempotency.release(self._idempotency_record)
            raise

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = idempotency.begin(request)

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
