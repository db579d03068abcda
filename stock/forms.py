from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.selectors import visible_dispatch_distributions, visible_stock_projects
from kits.models import KitType
from stock.models import MovementKind


class MovementForm(forms.Form):
    """A movement at a warehouse; the choices are the user's (accounts.selectors), the rules stock.services'."""

    kind = forms.ChoiceField(label=_("Movement"), choices=MovementKind.choices)
    project = forms.ModelChoiceField(label=_("Project"), queryset=None)
    kit_type = forms.ModelChoiceField(label=_("Kit type"), queryset=KitType.objects.filter(is_active=True))
    quantity = forms.IntegerField(
        label=_("Kits"),
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_("An adjustment after a count may be below zero."),
    )
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference or waybill number"), max_length=100, required=False)
    distribution = forms.ModelChoiceField(label=_("Distribution"), queryset=None, required=False)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.all(), required=False)
    reason = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = visible_stock_projects(user)
        # Open distributions only: kits are sent to a distribution under way or planned.
        self.fields["distribution"].queryset = visible_dispatch_distributions(user).filter(
            status__in=("planned", "ongoing")
        )
        self.fields["occurred_on"].initial = timezone.localdate()
