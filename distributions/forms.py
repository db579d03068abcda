import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from distributions.models import VerificationMethod


class ReceiveForm(forms.Form):
    """Record the receipt of one or more entitled kits in one tap.

    `batch` is a UUID drawn when the page is rendered: each kit's client UUID derives from it, so a
    double tap or a resubmitted form stores each receipt once.
    """

    kit_types = forms.MultipleChoiceField(label=_("Kits handed over"), widget=forms.CheckboxSelectMultiple)
    verification_method = forms.ChoiceField(
        label=_("Verified by"),
        choices=VerificationMethod.choices,
        initial=VerificationMethod.REGISTRATION_CODE,
        widget=forms.RadioSelect,
    )
    proxy_name = forms.CharField(label=_("Proxy collector's name"), max_length=200, required=False)
    batch = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, kit_codes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kit_types"].choices = kit_codes
        self.fields["kit_types"].initial = [code for code, _label in kit_codes]
        self.fields["batch"].initial = uuid.uuid4()

    def client_uuid(self, kit_code: str) -> uuid.UUID:
        return uuid.uuid5(self.cleaned_data["batch"], kit_code)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this receipt voided?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
