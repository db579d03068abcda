"""Right-to-left text with numbers in it: the one place numbers, ranges and codes are isolated (used by the
`isolate_numbers` template filter, distributions/templatetags/field.py, and by forms' help texts)."""

import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# Numbers, ranges, phone numbers and codes inside a sentence: "60+", "18-59", "+964 750 679 2418",
# "1 / 100". In a right-to-left page the bidi algorithm reorders their parts ("+60", "2418 679 750
# 964+"); wrapped in <bdi dir="ltr"> they read as written, whatever the language around them.
_NUMBERISH = re.compile(r"\+?\d[\d\s\-–+/.:,×]*\d\+?|\+?\d\+?")


def isolate_numbers(text, autoescape=True) -> SafeString:
    """Escape `text` and wrap each number, range or phone number in it in <bdi dir="ltr">."""
    escaped = str(conditional_escape(text) if autoescape else text)
    return mark_safe(_NUMBERISH.sub(lambda match: f'<bdi dir="ltr">{match.group(0)}</bdi>', escaped))  # noqa: S308
