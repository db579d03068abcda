"""Names per language: a kit, a distribution or a project carries its English name and, optionally, a
French and an Arabic one (`<field>_fr`, `<field>_ar`), shown in the user's language, the English name
standing in where a translation is missing. Our own three fields rather than a library: three languages,
three models, nothing to register or patch."""

from django.utils.translation import get_language

TRANSLATED_LANGUAGES = ("fr", "ar")


def row_in_language(row: dict, key: str, language: str | None = None) -> str:
    """An aggregated or frozen row's `key` (e.g. "kit_type__name") in `language` (default: the active one),
    from `<key>_fr` / `<key>_ar` where the row carries them, else the English value."""
    language = (language or get_language() or "en")[:2]
    if language in TRANSLATED_LANGUAGES and row.get(f"{key}_{language}"):
        return row[f"{key}_{language}"]
    return row.get(key, "")


def in_language(obj, field: str, language: str | None = None) -> str:
    """`obj.<field>` in `language` (default: the active one), the English value where none is given."""
    language = (language or get_language() or "en")[:2]
    if language in TRANSLATED_LANGUAGES:
        value = getattr(obj, f"{field}_{language}", "")
        if value:
            return value
    return getattr(obj, field)
