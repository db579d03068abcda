"""Rate limits: per token (authenticated user) and per anonymous client address.

Rates come from settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], environment-driven).
"""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class PartnerRateThrottle(UserRateThrottle):
    scope = "api_user"


class AnonymousRateThrottle(AnonRateThrottle):
    scope = "api_anon"
