from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import ProgressReport, Project, Target, TargetPeriod


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
