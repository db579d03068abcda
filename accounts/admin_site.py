"""The back office at /admin/: administrators only, whatever `is_staff` or permissions say.

Django's own admin lets in any active `is_staff` account and then shows what its model
permissions allow. Here the door is the role (accounts.models.User.is_administrator, as in
accounts/selectors.py): a field officer or partner account flagged `is_staff` by mistake still
gets the sign-in page, never a list of households.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


class AdministratorSignInForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)  # active accounts only
        if not user.is_administrator:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class AdministratorsOnlySite(admin.AdminSite):
    login_form = AdministratorSignInForm

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_authenticated and user.is_active and user.is_administrator
