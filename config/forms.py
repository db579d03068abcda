"""Page forms' shared helper: a service's refusal shown on the form that asked for it."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on `form`: each field's messages on that field when the form has it,
    the others (and `__all__`) as the form's own errors, so nothing the service said is dropped."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
