from django.contrib import admin

from sites.models import AdminArea, Site


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):
    list_display = ("pcode", "name", "level", "parent", "country_code", "valid_from")
    list_filter = ("level", "country_code")
    search_fields = ("pcode", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "site_type",
        "admin1",
        "admin2",
        "status",
        "population_households",
        "population_individuals",
        "population_as_of",
    )
    list_filter = ("site_type", "status", "admin1")
    search_fields = ("code", "name", "admin_area__pcode", "admin_area__name")
    list_select_related = ("admin1", "admin2")
    raw_id_fields = ("admin_area",)
