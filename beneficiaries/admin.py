from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from beneficiaries.models import Household, IdDocumentType


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = (
        "registration_code",
        "head_name",
        "head_sex",
        "household_size",
        "displacement_status",
        "site",
        "registered_at",
        "is_active",
    )
    list_filter = ("displacement_status", "is_active", "woman_headed", "person_with_disability", "site__admin1", "site")
    search_fields = ("=registration_code", "head_name", "=phone")
    list_select_related = ("site",)
    raw_id_fields = ("site",)
    readonly_fields = ("registration_code", "registered_at", "registered_by", "updated_at", "anonymised_at")
    date_hierarchy = "registered_at"
    show_full_result_count = False  # counting millions of rows on every page is slow

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # households are deactivated, never deleted


@admin.register(IdDocumentType)
class IdDocumentTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "country_code", "is_active")
    list_filter = ("country_code", "is_active")
    search_fields = ("code", "label", "other_labels")
