"""Rules for what identifies a household as typed: ID document types and numbers, phone numbers, consent.

One place for them, used by registration (beneficiaries/services.py) whatever the channel (pages, the
API, file imports, the KoboToolbox webhook), and by the import checks (imports/validation.py) so that
a refused row names its column.

- ID document types are data (IdDocumentType, per country, editable in the admin), accepted by code
  or by label in any case and accents.
- An ID number that is a placeholder ("N/A", "0", "000000", "inconnu", "-") is no document: it is
  stored empty, and the row is told so (two families that both typed "N/A" are not the same family).
- Phones are stored in E.164 (phonenumbers, Google's libphonenumber), national formats read with the
  country of the site as default region: '0750 754 7840' at an Iraqi site is '+9647507547840'.
"""

import functools
import re

import phonenumbers
import pycountry
from anyascii import anyascii

from beneficiaries import matching
from beneficiaries.models import IdDocumentType


def _word(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", anyascii(value or "").lower()).strip("_")


is_placeholder_id_number = matching.is_placeholder_id_number


# The types that were fixed in code before they became data (migration beneficiaries 0007 stores them),
# accepted in every country; countries add their own in the admin (the demo: Mali's NINA card, Iraq's).
GENERIC_DOCUMENT_TYPES = [
    (
        "national_id",
        "National identity card",
        "national id|national identity card|nid|cni|carte nationale|carte d'identite|carte nationale d'identite"
        "|carte d'identite nationale",
    ),
    ("voter_card", "Voter card", "voter card|carte electeur|carte d'electeur"),
    ("birth_certificate", "Birth certificate", "birth certificate|acte de naissance|extrait de naissance"),
    ("passport", "Passport", "passeport|جواز سفر"),
    ("refugee_id", "Refugee or asylum-seeker ID", "refugee id|carte de refugie|carte refugie|asylum seeker id"),
    ("other", "Other", "autre|اخرى"),
]


def ensure_generic_document_types() -> None:
    """Store the generic types if missing (a fresh database, the demo, tests that flush the database)."""
    for code, label, others in GENERIC_DOCUMENT_TYPES:
        IdDocumentType.objects.get_or_create(
            country_code="", code=code, defaults={"label": label, "other_labels": others}
        )


def document_types(country_code: str) -> list[IdDocumentType]:
    """The active types accepted at a site of the country (ISO alpha-3): the country's and every country's."""
    return list(IdDocumentType.objects.filter(is_active=True, country_code__in=["", country_code or ""]))


def document_type_code(text: str, types: list[IdDocumentType]) -> str | None:
    """The code of the type named by `text` (its code, label or another spelling), or None."""
    wanted = _word(text)
    if not wanted:
        return None
    for kind in types:
        spellings = [kind.code, kind.label, *kind.other_labels.split("|")]
        if wanted in {_word(spelling) for spelling in spellings if spelling.strip()}:
            return kind.code
    return None


_E164 = re.compile(r"\+[1-9]\d{7,14}")


# phonenumbers reads letters too ('0800 FLOWERS' as digits, a trailing 'x' or 'ext 5' as an extension, which
# E.164 drops) and ',' or ';' as the start of an extension: a stray letter is a typing or export error, and
# two numbers in one cell are two numbers, so both are refused rather than guessed. Digits of any script and
# its separators (spaces, dots, dashes of any kind, slashes, brackets) are left to phonenumbers.
def _has_letter_or_separator(text: str) -> bool:
    return any(char.isalpha() or char in ",;#*" for char in text)


def _country_calling_code(e164: str) -> bool:
    """Whether an E.164 string starts with a country calling code that phonenumbers knows."""
    return any(int(e164[1 : 1 + size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for size in (1, 2, 3))


@functools.lru_cache(maxsize=256)
def phone_region(country_code: str) -> str | None:
    """ISO alpha-2 region of phonenumbers for an ISO alpha-3 country ('IRQ' -> 'IQ'), None if unknown."""
    country = pycountry.countries.get(alpha_3=(country_code or "").upper()) if country_code else None
    return country.alpha_2 if country else None


def normalise_phone(text: str, country_code: str = "") -> str:
    """The phone in E.164 ('+9647507547840'); '' for an empty one. ValueError if it is not a phone number.

    `country_code` (ISO alpha-3, the site's country) reads national formats ('0750 754 7840'); Eastern
    Arabic digits and spaces, dots, dashes, slashes and brackets are accepted; '00' stands for '+'. A letter
    (an extension, a vanity number) or a second number after ',' or ';' is refused: it would not be stored
    as written.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if _has_letter_or_separator(text):
        raise ValueError("a phone number has no letters and no ',', ';', '#' or '*'")
    if _E164.fullmatch(text) and _country_calling_code(text):
        return text  # already E.164 (a checked import row, an API client): parsed once, not on every pass
    try:
        number = phonenumbers.parse(text, phone_region(country_code))
    except phonenumbers.NumberParseException as error:
        raise ValueError(str(error)) from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def site_country(site) -> str:
    """The ISO alpha-3 country of a site (from its administrative area)."""
    return site.admin_area.country_code if site is not None and site.admin_area_id else ""
