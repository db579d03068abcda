"""Model permissions follow the role: an active administrator may do in the admin what each ModelAdmin allows.

Each ModelAdmin's own has_*_permission still has the last word (no deleting receipts, for one).
Nobody else gets a model permission from this backend; the admin site itself only admits
administrators (accounts/admin_site.py).
"""

from django.contrib.auth.backends import ModelBackend


class RoleBackend(ModelBackend):
    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if user_obj.is_active and getattr(user_obj, "is_administrator", False):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        if user_obj.is_active and getattr(user_obj, "is_administrator", False):
            return True
        return super().has_module_perms(user_obj, app_label)
