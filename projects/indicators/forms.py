"""The forms of the result pages (issue 21): report or correct a result, return one with a reason."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from accounts import selectors as scope
from accounts.models import Organisation
from projects.indicators.models import RESULT_SADD_FIELDS, IndicatorResult
from sites.models import AdminArea


class ResultForm(forms.ModelForm):
    """A result as a field officer or a manager reports it; choices limited to the user's scope. The rules
    are the service's (projects.indicators.services): its errors are shown on their fields (`add_errors`)."""

    handover_to = forms.ModelChoiceField(
        Organisation.objects.all(), label=_("Handed to (an institutional handover)"), required=False
    )

    class Meta:
        model = IndicatorResult
        fields = ["indicator", "date", "site", "admin_area", "quantity", *RESULT_SADD_FIELDS, "note", "evidence"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = scope.visible_activity_indicators(user).select_related("project")
        self.fields["site"].queryset = scope.visible_sites(user).order_by("name")
        self.fields["evidence"].widget = forms.FileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"})
        if scope.can_report_area_results(user):
            self.fields["admin_area"].queryset = AdminArea.objects.filter(level__in=[1, 2]).order_by("pcode")
        else:
            del self.fields["admin_area"]
        if correcting:  # what a result is of, and whom it went to, are fixed once reported
            del self.fields["indicator"], self.fields["handover_to"]

    def _post_clean(self):
        """The model's rules are checked by the service, with the user's scope: not here a second time."""

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("indicator", None), data.pop("handover_to", None)
        evidence = data.pop("evidence", None)  # the stored file (unchanged) is no new upload
        data.setdefault("admin_area", None)
        return {"evidence": evidence if isinstance(evidence, UploadedFile) else None, **data}

    def add_errors(self, error: ValidationError) -> None:
        """A service's ValidationError on the form's fields (one it does not have: on the form)."""
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why it is returned"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
