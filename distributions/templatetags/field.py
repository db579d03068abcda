import re

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from beneficiaries.pseudonyms import suppressed_marker
from distributions.models import VerificationMethod

register = template.Library()

# Numbers, ranges, phone numbers and codes inside a sentence: "60+", "18-59", "+964 750 679 2418",
# "1 / 100". In a right-to-left page the bidi algorithm reorders their parts ("+60", "2418 679 750
# 964+"); wrapped in <bdi dir="ltr"> they read as written, whatever the language around them.
_NUMBERISH = re.compile(r"\+?\d[\d\s\-–+/.:,×]*\d\+?|\+?\d\+?")


@register.filter(needs_autoescape=True)
def isolate_numbers(text, autoescape=True) -> SafeString:
    """Escape `text` and wrap each number, range or phone number in it in <bdi dir="ltr">."""
    escaped = str(conditional_escape(text) if autoescape else text)
    return mark_safe(_NUMBERISH.sub(lambda match: f'<bdi dir="ltr">{match.group(0)}</bdi>', escaped))  # noqa: S308


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
