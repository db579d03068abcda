from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import BUCKETS
from kits.models import KitCategory
from projects.selectors import project_areas, project_kit_types, visible_project_sites


class IsoDateInput(forms.DateInput):
    """`<input type="date">`: its value must be YYYY-MM-DD whatever the language (HTML standard); a French
    "01/10/2026" showed an empty field and blocked the form. The field still reads localised input."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PlainSelect(forms.Select):
    """A select whose options are written in Python, not one template include each.

    The site filter lists every site of a project (hundreds): through the template engine its
    options took about a tenth of the dashboard's time. Flat choices only (no option groups).
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = set(self.format_value(value))
        keys_and_labels = (("" if option is None else str(option), label) for option, label in self._plain_choices())
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if key in chosen else "", label) for key, label in keys_and_labels),
        )
        attributes = flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}))
        return format_html("<select{}>{}</select>", attributes, options)

    def _plain_choices(self):
        if not isinstance(self.choices, ModelChoiceIterator):
            return self.choices
        # One plain query: the model field's iterator reads a server-side cursor (three round trips).
        field = self.choices.field
        empty = [] if field.empty_label is None else [("", field.empty_label)]
        return [*empty, *((item.pk, field.label_from_instance(item)) for item in field.queryset)]


class ProgressFilterForm(forms.Form):
    """The dashboard's filters, read from the query string so that a filtered view is a shareable URL."""

    start = forms.DateField(label=_("From"), required=False, widget=IsoDateInput)
    end = forms.DateField(label=_("To"), required=False, widget=IsoDateInput)
    area = forms.ModelChoiceField(
        label=_("Region or area"), queryset=None, required=False, empty_label=_("All"), widget=PlainSelect
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=None, required=False, empty_label=_("All"), widget=PlainSelect
    )
    kit_type = forms.ModelChoiceField(
        label=_("Kit type"), queryset=None, required=False, empty_label=_("All"), widget=PlainSelect
    )
    kit_category = forms.ChoiceField(
        label=_("Kit category"), choices=[("", _("All")), *KitCategory.choices], required=False
    )
    bucket = forms.ChoiceField(
        label=_("Chart by"), choices=[("week", _("Week")), ("month", _("Month"))], required=False
    )

    def __init__(self, data, *, areas, sites, kit_types):
        super().__init__(data)
        self.fields["area"].queryset = areas
        self.fields["site"].queryset = sites
        self.fields["kit_type"].queryset = kit_types

    @classmethod
    def for_project(cls, data, project, user) -> "ProgressFilterForm":
        """The filters of a project's dashboard (page and API): its areas, the user's sites, its kit types.

        `data`: the query string (unbound when empty, so the dashboard opens unfiltered).
        """
        return cls(
            data or None,
            areas=project_areas(project),
            sites=visible_project_sites(user, project),
            kit_types=project_kit_types(project),
        )

    def filters_and_bucket(self) -> tuple[ProgressFilter, str]:
        """The filter and chart step to compute; unbound: no filter, by week."""
        if not self.is_bound:
            return ProgressFilter(), "week"
        return self.progress_filter(), self.bucket_value()

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
            kit_type_id=data["kit_type"].pk if data.get("kit_type") else None,
            kit_category=data.get("kit_category") or "",
        )

    def bucket_value(self) -> str:
        value = self.cleaned_data.get("bucket") if self.is_valid() else None
        return value if value in BUCKETS else "week"


class ReportRequestForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=IsoDateInput)
    period_end = forms.DateField(label=_("To"), widget=IsoDateInput)
    area = forms.IntegerField(required=False, widget=forms.HiddenInput)
    site = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kit_type = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kit_category = forms.ChoiceField(choices=[("", ""), *KitCategory.choices], required=False, widget=forms.HiddenInput)

    def cleaned_filters(self) -> dict:
        """The dashboard's narrowing filters carried by the form (names: ProgressFilter.NARROWING_NAMES)."""
        return {name: self.cleaned_data[name] for name in ProgressFilter.NARROWING_NAMES if self.cleaned_data.get(name)}
