"""Names per language: a kit, a distribution or a project carries its English name and, optionally, a
French and an Arabic one (`<field>_fr`, `<field>_ar`), shown in the user's language, the English name
standing in where a translation is missing. Our own three fields rather than a library: three languages,
three models, nothing to register or patch."""

from django.utils.translation import get_language

TRANSLATED_LANGUAGES = ("fr", "ar")


def in_language(obj, field: str, language: str | None = None) -> str:
    """`obj.<field>` in `language` (default: the active one), the English value where none is given."""
    language = (language or get_language() or "en")[:2]
    if language in TRANSLATED_LANGUAGES:
        value = getattr(obj, f"{field}_{language}", "")
        if value:
            return value
    return getattr(obj, field)
