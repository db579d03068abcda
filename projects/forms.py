from django import forms
from django.utils.translation import gettext_lazy as _

from kits.models import KitCategory
from projects.progress import BUCKETS, ProgressFilter


class ProgressFilterForm(forms.Form):
    """The dashboard's filters, read from the query string so that a filtered view is a shareable URL."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ModelChoiceField(label=_("Region or area"), queryset=None, required=False, empty_label=_("All"))
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False, empty_label=_("All"))
    kit_category = forms.ChoiceField(
        label=_("Kit category"), choices=[("", _("All")), *KitCategory.choices], required=False
    )
    bucket = forms.ChoiceField(
        label=_("Chart by"), choices=[("week", _("Week")), ("month", _("Month"))], required=False
    )

    def __init__(self, data, *, areas, sites):
        super().__init__(data)
        self.fields["area"].queryset = areas
        self.fields["site"].queryset = sites

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period cannot be before its start."))
        return cleaned

    def progress_filter(self) -> ProgressFilter:
        """The valid filters (an invalid field is ignored and shown as an error)."""
        data = (
            self.cleaned_data
            if self.is_valid()
            else {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        )
        return ProgressFilter(
            period_start=data.get("start"),
            period_end=data.get("end") if "end" not in self.errors else None,
            area_id=data["area"].pk if data.get("area") else None,
            site_id=data["site"].pk if data.get("site") else None,
            kit_category=data.get("kit_category") or "",
        )

    def bucket_value(self) -> str:
        value = self.cleaned_data.get("bucket") if self.is_valid() else None
        return value if value in BUCKETS else "week"


class ReportRequestForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.IntegerField(required=False, widget=forms.HiddenInput)
    site = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kit_category = forms.ChoiceField(choices=[("", ""), *KitCategory.choices], required=False, widget=forms.HiddenInput)

    def cleaned_filters(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("area", "site", "kit_category") if self.cleaned_data.get(name)
        }
