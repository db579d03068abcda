from django.contrib import admin

from stock.models import StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    """Administrators create warehouses and name their storekeepers (accounts.selectors.visible_warehouses)."""

    list_display = ("code", "name", "admin_area", "organisation", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("keepers",)
    raw_id_fields = ("admin_area",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its movements stay: deactivate it instead


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """Read only: movements are written through stock.services.record_movement (pages, API), which keeps the
    balances; an admin form would bypass them."""

    list_display = ("occurred_on", "kind", "warehouse", "project", "kit_type", "quantity", "reference")
    list_filter = ("kind", "warehouse", "project")
    search_fields = ("reference", "reason")
    list_select_related = ("warehouse", "project", "kit_type")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
