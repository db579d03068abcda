"""DRF's token authentication, with the token and its user read by one statement built once (config/rows.py).

DRF compiled `Token.objects.select_related("user").get(key=…)` on every request, 0.4 ms of a receipt POST's
Python. The answers are DRF's: the user and the token, or 401 for an unknown key or an inactive user.
"""

from functools import cache

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

import config.rows as rows
from accounts.models import User


@cache
def _token_sql() -> str:
    """The token of a key (the parameter) with its user."""
    return (
        f"SELECT {rows.columns(Token, 't')}, {rows.columns(User, 'u')} FROM {rows.table(Token)} t "  # noqa: S608
        f"JOIN {rows.table(User)} u ON u.{rows.quote(User._meta.pk.column)} = t.{rows.column(Token, 'user')} "
        f"WHERE t.{rows.column(Token, 'key')} = %s"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        if "\x00" in key:  # PostgreSQL refuses NUL in text (a 500); no token holds one
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        with rows.prepared_cursor() as cursor:
            cursor.execute(_token_sql(), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = rows.instances(row, Token, User)
        rows.attach(token, "user", user)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, token)
