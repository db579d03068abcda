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
