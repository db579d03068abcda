from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, Household
from beneficiaries.rules import REGISTRATION_FIELDS
from config.bidi import isolate_numbers

WIDGETS = {
    "head_sex": forms.RadioSelect,
    "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    "head_name": forms.TextInput(attrs={"autocomplete": "off"}),
    **{name: forms.NumberInput(attrs={"min": 0, "max": 99, "inputmode": "numeric"}) for name in SADD_FIELDS},
    "head_birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
}


class HouseholdForm(forms.Form):
    """Shapes the input from the model's fields; the rules (size = sum of counts, birth year, consent)
    are checked once, in beneficiaries.services, and shown beside their fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Household,
                fields=REGISTRATION_FIELDS,
                widgets=WIDGETS,
                labels={"consent_given": _("The head of household consents to their data being recorded")},
            )
        )
        for name in SADD_FIELDS:
            self.fields[name].required = False  # an empty count is no one
            # "60+", "18-59" read as written in Arabic too (isolated left-to-right).
            self.fields[name].label = isolate_numbers(capfirst(self.fields[name].label))
        self.fields["head_sex"].choices = [choice for choice in self.fields["head_sex"].choices if choice[0]]
        self.fields["consent_given"].required = True
        # Household size errors concern the counts as a whole, shown beside them.
        self.members_errors: list[str] = []

    def clean(self):
        cleaned = super().clean()
        for name in SADD_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = 0
        return cleaned

    def sadd_fields(self):
        return [self[name] for name in SADD_FIELDS]

    def vulnerability_fields(self):
        return [self[name] for name in VULNERABILITY_FIELDS]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            if field == "household_size":
                self.members_errors.extend(messages)
            elif field in self.fields:
                for message in messages:
                    self.add_error(field, message)
            else:
                for message in messages:
                    self.add_error(None, message)
