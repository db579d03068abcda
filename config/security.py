"""Response headers Django has no setting for: Permissions-Policy and Cross-Origin-Resource-Policy.

Content-Security-Policy comes from django-csp, Referrer-Policy, X-Content-Type-Options and
Cross-Origin-Opener-Policy from Django's SecurityMiddleware, X-Frame-Options from its clickjacking
middleware (settings.py).
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
