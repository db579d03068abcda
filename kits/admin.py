from django.contrib import admin

from kits.models import KitItem, KitType


class KitItemInline(admin.TabularInline):
    model = KitItem
    extra = 1


@admin.register(KitType)
class KitTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("code", "name")
    inlines = [KitItemInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Receipts point at kit types (the ORM's reverse accessor: kits does not import distributions).
        if obj is not None and obj.receipt_set.exists():
            fields.append("category")  # progress summaries count it by category (distributions migration 0011)
        return fields
