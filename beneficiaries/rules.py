"""The registration rules, described once: the server checks them (beneficiaries.services._validate and
the model's fields), and the field app's phone checks the same description before it queues a household
registered offline (registration_schema(), served in the register page).

What only the server can know (a probable duplicate of a household registered elsewhere) is not here:
the phone keeps what the server refuses as a draft, with the server's reason beside the field.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, Household

# The oldest head of household accepted: born at most this many years before the current year.
BIRTH_YEAR_SPAN = 120
# Fields the registration form asks for, in its order (beneficiaries.forms builds the form from them).
REGISTRATION_FIELDS = (
    "head_name",
    "head_sex",
    "head_birth_year",
    "displacement_status",
    *SADD_FIELDS,
    *VULNERABILITY_FIELDS,
    "phone",
    "consent_given",
)


def birth_year_bounds() -> tuple[int, int]:
    """(lowest, highest) accepted head of household birth year, from the current year (server's time zone)."""
    this_year = timezone.localdate().year
    return this_year - BIRTH_YEAR_SPAN, this_year


def birth_year_error(low: int, high: int) -> str:
    return _("Enter a birth year between %(low)s and %(high)s.") % {"low": low, "high": high}


def no_member_error() -> str:
    return _("A household has at least one member.")


def registration_schema() -> dict:
    """A JSON Schema (draft 2020-12) of one registration as the field app submits it, with the messages the
    server gives for each broken rule in the active language.

    Shape: {"type": "object", "properties": {field: {type, maxLength?, enum?, minimum?, maximum?}},
    "required": [field], "x-members": {"fields": [...], "minimum": 1}, "x-messages": {field: {keyword: text}}}.
    Derived from the Household model's fields (type, length, choices, blank) and this module's rules, so
    the phone and the server cannot disagree. "x-members": the sex and age counts add up to at least one.
    """
    required_message = _("This field is required.")
    properties: dict[str, dict] = {}
    messages: dict[str, dict[str, str]] = {}
    required: list[str] = []
    for name in REGISTRATION_FIELDS:
        field = Household._meta.get_field(name)
        internal = field.get_internal_type()
        if internal == "BooleanField":
            properties[name] = {"type": "boolean"}
        elif internal in ("PositiveSmallIntegerField", "PositiveIntegerField", "IntegerField"):
            properties[name] = {"type": "integer", "minimum": 0}
            messages[name] = {
                "minimum": _("Ensure this value is greater than or equal to 0."),
                "type": _("Enter a whole number."),
            }
        else:
            properties[name] = {"type": "string", "maxLength": field.max_length}
            messages[name] = {"maxLength": _("Enter at most %(limit)s characters.") % {"limit": field.max_length}}
            if field.choices:
                properties[name]["enum"] = [value for value, _label in field.choices if value]
                messages[name]["enum"] = _("Select a valid choice.")
        if not field.blank and internal != "BooleanField" and name not in SADD_FIELDS:
            required.append(name)
            messages.setdefault(name, {})["required"] = required_message
    low, high = birth_year_bounds()
    properties["head_birth_year"].update(minimum=low, maximum=high)
    messages["head_birth_year"].update(minimum=birth_year_error(low, high), maximum=birth_year_error(low, high))
    # Consent is asked at collection (IOM's data protection principles): a registration without it is refused.
    properties["consent_given"] = {"const": True}
    required.append("consent_given")
    messages["consent_given"] = {"required": required_message, "const": required_message}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "x-members": {"fields": list(SADD_FIELDS), "minimum": 1, "message": no_member_error()},
        "x-messages": messages,
    }
