"""Rate limits: per token (authenticated user) and per anonymous client address.

Rates come from settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], environment-driven).

The counters live in the shared cache (Redis). When the cache cannot be reached, a throttle falls
back to a counter in this process's memory (the same rate per process, so a deployment of N
workers lets through at most N times the rate) instead of failing the request: while Redis was
away, sign-in, receipts, the offline bulk and report requests all answered 500 (issue 12).
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

# One per process: the fallback counters while the shared cache is unreachable.
LOCAL_CACHE = LocMemCache("throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
_WARN_EVERY_SECONDS = 60
_last_warning = 0.0


class FailOpenMixin(SimpleRateThrottle):
    """Counts in the shared cache; in this process's memory when the shared cache raises."""

    def allow_request(self, request, view) -> bool:
        self.cache = caches["default"]
        try:
            return super().allow_request(request, view)
        except Exception as error:  # redis.ConnectionError, TimeoutError...: whatever the backend raises
            _warn(error)
        self.cache = LOCAL_CACHE
        return super().allow_request(request, view)


def _warn(error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > _WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("Throttle cache unreachable (%s): counting in this process until it returns", error)


class PartnerRateThrottle(FailOpenMixin, UserRateThrottle):
    scope = "api_user"


class AnonymousRateThrottle(FailOpenMixin, AnonRateThrottle):
    scope = "api_anon"
