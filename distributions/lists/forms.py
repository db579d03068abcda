"""The plan page's form: a distribution, its kit types with entitlement rules, and targeting criteria."""

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, DisplacementStatus, Household
from distributions.models import DistributionItem
from kits.models import KitType

KIT_ROWS = 3  # kit types on one plan page (a distribution rarely hands out more)


class CriteriaForm(forms.Form):
    """Targeting criteria and entitlement rules; `criteria()` and `rules()` give the shapes of lists/criteria.py."""

    sites = forms.ModelMultipleChoiceField(label=_("Sites"), queryset=None, widget=forms.CheckboxSelectMultiple)
    displacement_status = forms.MultipleChoiceField(
        label=_("Displacement status"),
        choices=DisplacementStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    vulnerability_any = forms.MultipleChoiceField(
        label=_("With at least one of"),
        choices=[(name, Household._meta.get_field(name).verbose_name) for name in VULNERABILITY_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    size_min = forms.IntegerField(label=_("Household size from"), min_value=1, required=False)
    size_max = forms.IntegerField(label=_("Household size up to"), min_value=1, required=False)
    registered_from = forms.DateField(label=_("Registered from"), required=False)
    registered_to = forms.DateField(label=_("Registered up to"), required=False)
    not_served_days = forms.IntegerField(
        label=_("Not served in the project in the last (days)"), min_value=1, required=False
    )
    not_served_kit_type = forms.ModelChoiceField(
        label=_("… of this kit type only"), queryset=KitType.objects.filter(is_active=True), required=False
    )
    supervisors = forms.ModelMultipleChoiceField(
        label=_("Supervisors who may override the list"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, sites, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites
        self.fields["supervisors"].queryset = officers
        for name in SADD_FIELDS:
            self.fields[f"members_min_{name}"] = forms.IntegerField(
                label=Household._meta.get_field(name).verbose_name, min_value=1, required=False
            )

    def criteria(self) -> dict:
        data = self.cleaned_data
        raw = {
            "sites": [site.pk for site in data["sites"]],
            "displacement_status": data["displacement_status"],
            "vulnerability_any": data["vulnerability_any"],
            "members_min": {
                name: data[f"members_min_{name}"] for name in SADD_FIELDS if data.get(f"members_min_{name}")
            },
        }
        for name in ("size_min", "size_max", "not_served_days"):
            if data.get(name):
                raw[name] = data[name]
        for name in ("registered_from", "registered_to"):
            if data.get(name):
                raw[name] = data[name].isoformat()
        if data.get("not_served_kit_type"):
            raw["not_served_kit_type"] = data["not_served_kit_type"].pk
        return raw


class PlanForm(CriteriaForm):
    """A new distribution (issue 19): the point where kits are handed out, its dates and its kit types."""

    name = forms.CharField(label=_("Name"), max_length=200)
    site = forms.ModelChoiceField(label=_("Distribution point"), queryset=None)
    planned_start = forms.DateField(label=_("Planned start"))
    planned_end = forms.DateField(label=_("Planned end"))

    def __init__(self, *args, sites, officers, **kwargs):
        super().__init__(*args, sites=sites, officers=officers, **kwargs)
        self.fields["site"].queryset = sites
        kits = KitType.objects.filter(is_active=True)
        for row in range(KIT_ROWS):
            self.fields[f"kit_{row}"] = forms.ModelChoiceField(label=_("Kit type"), queryset=kits, required=row == 0)
            self.fields[f"basis_{row}"] = forms.ChoiceField(
                label=_("Entitlement basis"), choices=DistributionItem.Basis.choices, required=False
            )
            self.fields[f"quantity_{row}"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, initial=1, required=False
            )
            self.fields[f"maximum_{row}"] = forms.IntegerField(label=_("Maximum"), min_value=1, required=False)
            self.fields[f"rule_size_{row}"] = forms.IntegerField(
                label=_("Households of at least"), min_value=1, required=False
            )
            self.fields[f"rule_quantity_{row}"] = forms.IntegerField(label=_("get"), min_value=1, required=False)

    def kit_rows(self) -> list[list]:
        """The kit fields, row by row, for the template."""
        names = ("kit", "basis", "quantity", "maximum", "rule_size", "rule_quantity")
        return [[self[f"{name}_{row}"] for name in names] for row in range(KIT_ROWS)]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "kit_type": data[f"kit_{row}"],
                "entitlement_basis": data.get(f"basis_{row}") or DistributionItem.Basis.PER_HOUSEHOLD,
                "entitlement_quantity": data.get(f"quantity_{row}") or 1,
                "entitlement_maximum": data.get(f"maximum_{row}"),
            }
            for row in range(KIT_ROWS)
            if data.get(f"kit_{row}")
        ]

    def rules(self) -> dict:
        data = self.cleaned_data
        return {
            str(data[f"kit_{row}"].pk): {"size_min": data[f"rule_size_{row}"], "quantity": data[f"rule_quantity_{row}"]}
            for row in range(KIT_ROWS)
            if data.get(f"kit_{row}") and data.get(f"rule_size_{row}") and data.get(f"rule_quantity_{row}")
        }

    def plan_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "site", "planned_start", "planned_end")}


class ChangeForm(forms.Form):
    """Add a household to an approved list, or take one off, with a reason."""

    action = forms.ChoiceField(choices=[("add", _("Add")), ("remove", _("Remove"))], widget=forms.RadioSelect)
    registration_code = forms.CharField(label=_("Registration code"), max_length=14)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why is this household served though not on the list?"), max_length=500)
