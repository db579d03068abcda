from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """Activates the signed-in user's language, whatever the device: the choice sticks per user.

    Runs after AuthenticationMiddleware; before sign-in, LocaleMiddleware's cookie and browser choice apply.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "preferred_language", "") if user is not None and user.is_authenticated else ""
        if language in self.available:
            request.LANGUAGE_CODE = language
            # override, not activate: the thread speaks its previous language again after this request
            # (a worker thread, or a test's next step, would otherwise keep this user's language).
            with translation.override(language):
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if language in self.available and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            # Pages cached by the phone for offline use, and the sign-in page next time, speak it too.
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response
