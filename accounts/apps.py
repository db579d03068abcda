from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth import signals

        # A sign-in updates last_login, which the audit trail leaves out: no history row per sign-in.
        signals.user_logged_in.disconnect(dispatch_uid="update_last_login")
        signals.user_logged_in.connect(_update_last_login_unaudited, dispatch_uid="update_last_login")


def _update_last_login_unaudited(sender, user, **kwargs) -> None:
    from django.contrib.auth.models import update_last_login

    user.skip_history_when_saving = True
    try:
        update_last_login(sender, user, **kwargs)
    finally:
        del user.skip_history_when_saving
