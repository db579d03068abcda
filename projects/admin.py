from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import ActivityIndicator, IndicatorResult, ProgressReport, Project, Target, TargetPeriod


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    show_change_link = True
    raw_id_fields = ("admin_area",)
    can_delete = False


class TargetPeriodInline(admin.TabularInline):
    model = TargetPeriod
    extra = 0


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "donor", "lead_organisation", "start_date", "end_date", "status")
    list_filter = ("status", "donor", "lead_organisation")
    search_fields = ("code", "title")
    list_select_related = ("donor", "lead_organisation")
    filter_horizontal = ("implementing_partners",)
    raw_id_fields = ("admin_areas",)
    inlines = [TargetInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # projects are closed, never deleted: reports and receipts refer to them


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ("project", "indicator", "kit_type", "kit_category", "admin_area", "target_value")
    list_filter = ("indicator", "kit_category", "project")
    list_select_related = ("project", "kit_type", "admin_area")
    raw_id_fields = ("admin_area",)
    inlines = [TargetPeriodInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a target is changed (its history kept), never deleted


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ("project", "period_start", "period_end", "status", "requested_by", "requested_at", "attempts")
    list_filter = ("status", "scheduled", "project")
    list_select_related = ("project", "requested_by")
    readonly_fields = [field.name for field in ProgressReport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # reports are requested from the dashboard or the API, and built by Celery


@admin.register(ActivityIndicator)
class ActivityIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ("project", "code", "name", "unit", "disaggregated")
    list_filter = ("unit", "project")
    list_select_related = ("project",)
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # targets and results refer to it


@admin.register(IndicatorResult)
class IndicatorResultAdmin(SimpleHistoryAdmin):
    """Read only: results are reported, corrected and reviewed through projects/indicators/services.py (the
    pages and the API); the evidence is downloaded from the result's page, never from MEDIA_URL."""

    list_display = ("indicator", "date", "site", "admin_area", "quantity", "status")
    list_filter = ("status", "indicator__project")
    list_select_related = ("indicator", "site", "admin_area")
    exclude = ("evidence",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in IndicatorResult._meta.fields if field.name != "evidence"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
