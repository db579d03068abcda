from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from beneficiaries.pseudonyms import suppressed_marker
from config.bidi import isolate_numbers
from distributions.models import VerificationMethod

register = template.Library()

register.filter("isolate_numbers", needs_autoescape=True)(isolate_numbers)


@register.filter(needs_autoescape=True)
def ltr(text, autoescape=True) -> SafeString:
    """`text` escaped and isolated left to right (<bdi dir="ltr">): a code or a number inside a sentence."""
    escaped = conditional_escape(text) if autoescape else text
    return mark_safe(f'<bdi dir="ltr">{escaped}</bdi>')  # noqa: S308


@register.filter
def kit_name(row: dict) -> str:
    """A kit's name in the active language from an aggregated row (kit_type__name, kit_type__name_fr/_ar)."""
    language = (get_language() or "en")[:2]
    return row.get(f"kit_type__name_{language}") or row.get("kit_type__name", "")


@register.simple_tag
def verification_methods() -> list[tuple[str, str]]:
    return VerificationMethod.choices


@register.filter
def figure(number) -> str:
    """A count with grouped digits, or the small-count marker where projects/disclosure.py withheld it (None)."""
    if number is None:
        return suppressed_marker()
    return intcomma(number)
