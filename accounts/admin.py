from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "kind", "iati_identifier")
    list_filter = ("kind",)
    search_fields = ("name", "acronym", "iati_identifier")


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ("username", "get_full_name", "organisation", "role", "is_active", "last_login")
    list_filter = ("role", "organisation", "is_active", "personal_data_grant")
    list_select_related = ("organisation",)
    filter_horizontal = ("assigned_sites", "assigned_projects", "groups", "user_permissions")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Role and scope"),
            {
                "fields": (
                    "organisation",
                    "role",
                    "assigned_sites",
                    "assigned_projects",
                    "personal_data_grant",
                    "preferred_language",
                )
            },
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("organisation", "role")}),
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail names them
