from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from distributions.models import Distribution, DistributionItem, Receipt
from distributions.reconciliation import refuse_unexplained_variance
from distributions.services import void_receipt


class DistributionItemInline(admin.TabularInline):
    model = DistributionItem
    extra = 1


class DistributionAdminForm(forms.ModelForm):
    class Meta:
        model = Distribution
        fields = "__all__"  # noqa: DJ007 - the admin's fields are DistributionAdmin's

    def clean(self):
        """Completing here obeys the rule update_distribution applies (issue 20): no unexplained stock variance."""
        cleaned = super().clean()
        completing = cleaned.get("status") == Distribution.Status.COMPLETED
        if completing and self.instance.pk and self.instance.status != Distribution.Status.COMPLETED:
            refuse_unexplained_variance(self.instance)  # ValidationError on `status`
        return cleaned


@admin.register(Distribution)
class DistributionAdmin(SimpleHistoryAdmin):
    form = DistributionAdminForm
    list_display = ("name", "project", "site", "planned_start", "planned_end", "status")
    list_filter = ("status", "project", "site__admin1")
    search_fields = ("name", "project__code", "site__name", "site__code")
    list_select_related = ("project", "site")
    raw_id_fields = ("site",)
    readonly_fields = ("closed_at",)  # kept by Distribution.save(): the bound of late syncs
    date_hierarchy = "planned_start"
    inlines = [DistributionItemInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a distribution is cancelled, never deleted: its receipts and history stay

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and Receipt.objects.filter(distribution=obj).exists():
            fields += ["project", "site"]  # fixed once received (distributions.plans.FIXED_ONCE_RECEIVED)
        return fields


@admin.register(Receipt)
class ReceiptAdmin(SimpleHistoryAdmin):
    """Receipts are recorded in the field app or the API; here they are read and voided, never edited."""

    list_display = (
        "client_uuid",
        "distribution",
        "household",
        "kit_type",
        "quantity",
        "received_at",
        "verification_method",
        "voided_at",
    )
    list_filter = (
        "kit_type__category",
        "verification_method",
        ("voided_at", admin.EmptyFieldListFilter),
        "distribution__project",
    )
    search_fields = ("=client_uuid", "=household__registration_code")
    list_select_related = ("distribution", "household", "kit_type")
    date_hierarchy = "received_at"
    show_full_result_count = False
    actions = ["void_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Void selected receipts (reason: voided in the back office)"))
    def void_selected(self, request, queryset):
        voided = 0
        for receipt in queryset.filter(voided_at__isnull=True):
            try:
                void_receipt(receipt, voided_by=request.user, reason=str(_("Voided in the back office")))
                voided += 1
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
        self.message_user(request, _("%(count)d receipts voided.") % {"count": voided})
