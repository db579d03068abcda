"""Which column of a file holds which household field.

Headers are compared in a normal form: the KoboToolbox / ODK group path is dropped
(`household/head_name` -> `head_name`), accents and case are ignored, punctuation becomes `_`.
A source's mapping, once confirmed, is remembered (ColumnMapping) and proposed for its next file.
"""

import hashlib
import re

from anyascii import anyascii
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import ColumnMapping

IMPORT_FIELDS = {
    "head_name": _("Head of household name"),
    "head_sex": _("Head of household sex"),
    "head_birth_year": _("Head of household birth year"),
    "site": _("Site (code or name)"),
    "admin_area": _("Admin area (P-code or name)"),
    "displacement_status": _("Displacement status"),
    "household_size": _("Household size"),
    "females_0_5": _("Females 0-5"),
    "females_6_17": _("Females 6-17"),
    "females_18_59": _("Females 18-59"),
    "females_60_plus": _("Females 60+"),
    "males_0_5": _("Males 0-5"),
    "males_6_17": _("Males 6-17"),
    "males_18_59": _("Males 18-59"),
    "males_60_plus": _("Males 60+"),
    "woman_headed": _("Woman-headed household"),
    "person_with_disability": _("Person with disability"),
    "older_person_headed": _("Older-person-headed household"),
    "child_headed": _("Child-headed household"),
    "chronic_illness": _("Chronic illness"),
    "pregnant_or_lactating": _("Pregnant or lactating woman"),
    "vulnerabilities": _("Vulnerabilities, several in one answer (KoboToolbox select_multiple)"),
    "phone": _("Phone"),
    "id_document_type": _("ID document type"),
    "id_document_number": _("ID document number"),
    "consent_given": _("Consent given"),
    "consent_date": _("Consent date"),
}
REQUIRED_FIELDS = ("head_name", "head_sex", "head_birth_year", "site", "displacement_status")

_ALIASES = {
    "head_name": "hoh_name head_of_household head_of_household_name name full_name beneficiary_name nom nom_complet "
    "nom_chef nom_chef_menage nom_du_chef_de_menage chef_de_menage chef_menage",
    "head_sex": "hoh_sex sex gender sexe sexe_chef sexe_chef_menage sexe_du_chef_de_menage",
    "head_birth_year": "hoh_birth_year birth_year year_of_birth annee_naissance annee_de_naissance",
    "site": "site_code site_name camp camp_name nom_site code_site site_id",
    "admin_area": "admin2 admin2_pcode adm2_pcode adm2_code admin2_code admin2_name adm2_name pcode p_code "
    "admin_pcode area cercle commune",
    "displacement_status": "status population_group pop_group statut statut_deplacement type_population",
    "household_size": "hh_size size taille_menage taille_du_menage total_members nombre_membres",
    "phone": "phone_number telephone tel contact mobile numero_telephone num_tel",
    "id_document_type": "id_type document_type type_piece type_document type_de_piece id_doc_type doc_type "
    "type_piece_identite type_de_piece_d_identite type_piece_d_identite piece_identite type_id type_doc",
    "id_document_number": "id_number document_number numero_piece num_piece numero_document id_doc_number "
    "doc_number id_no numero_piece_identite numero_de_piece numero_de_piece_d_identite num_id numero_id id_num",
    "vulnerabilities": "vulnerability vulnerabilite vulnerabilites criteres_vulnerabilite vulnerability_criteria "
    "criteres_de_vulnerabilite specific_needs besoins_specifiques",
    "consent_given": "consent consentement",
    "consent_date": "date_consent date_consentement date_du_consentement",
    "woman_headed": "femme_chef_menage menage_dirige_par_une_femme female_headed",
    "person_with_disability": "disability handicap personne_handicapee disabled pwd",
    "older_person_headed": "chef_age personne_agee_chef",
    "child_headed": "enfant_chef menage_dirige_par_un_enfant",
    "chronic_illness": "maladie_chronique",
    "pregnant_or_lactating": "femme_enceinte_allaitante enceinte_allaitante femme_enceinte_ou_allaitante "
    "enceinte_ou_allaitante pregnant_lactating plw pregnant_lactating_woman pregnant_or_lactating_woman",
}
_HXL = {
    "#adm2+code": "admin_area",
    "#adm2+name": "admin_area",
    "#loc+code": "site",
    "#loc+name": "site",
    "#contact+phone": "phone",
    "#reached+hh": "household_size",
}


def _sadd_aliases() -> dict[str, str]:
    aliases = {}
    for sex, words in (("females", "female f femmes"), ("males", "male m hommes")):
        for band, spellings in (("0_5", "0_5"), ("6_17", "6_17"), ("18_59", "18_59"), ("60_plus", "60_plus 60")):
            aliases[f"{sex}_{band}"] = " ".join(f"{w}_{s} hh_{w}_{s}" for w in words.split() for s in spellings.split())
    return aliases


def normal_header(header: str) -> str:
    last = re.split(r"[/:]", header.strip())[-1]
    return re.sub(r"[^a-z0-9]+", "_", anyascii(last).lower()).strip("_")


_BY_ALIAS = {}
for _field, _spellings in {**_ALIASES, **_sadd_aliases()}.items():
    for _spelling in [_field, *_spellings.split()]:
        _BY_ALIAS.setdefault(_spelling, _field)
for _field in IMPORT_FIELDS:
    _BY_ALIAS.setdefault(_field, _field)


# Groups of a form that are about another person than the household's head: their name and phone are not
# the household's (a KoboToolbox form with `respondent/name` and `household/head_name`).
_OTHER_PERSON = {
    "respondent",
    "repondant",
    "enumerator",
    "enqueteur",
    "interviewer",
    "informant",
    "informateur",
    "agent",
    "caller",
}
# Words that say a column holds a household field though its name is not one we know (a refusal's cue).
_LOOKS_LIKE = {
    "id_document_type": "piece identite identity nina cni passport passeport",
    "id_document_number": "",
    "pregnant_or_lactating": "pregnant lactating enceinte allaitante plw",
    "person_with_disability": "disability disabled handicap",
    "consent_given": "consent consentement",
    "phone": "phone telephone mobile tel",
    "head_sex": "sex sexe gender genre",
    "head_birth_year": "birth naissance dob",
    "head_name": "name nom",
    "vulnerabilities": "vulnerability vulnerabilite",
}


def _path(header: str) -> list[str]:
    return [part for part in re.split(r"[/:]", header.strip()) if part]


def _is_metadata(header: str) -> bool:
    parts = _path(header)
    return bool(parts) and parts[-1].startswith("_")  # KoboToolbox: _id, _uuid, _status, __version__


def _other_person(header: str) -> bool:
    groups = [normal_header(part) for part in _path(header)[:-1]]
    last = normal_header(header)
    return any(group in _OTHER_PERSON for group in groups) or last.split("_")[0] in _OTHER_PERSON


def guess_field(header: str, hashtag: str = "") -> str:
    if _is_metadata(header) or _other_person(header):
        return ""
    return _BY_ALIAS.get(normal_header(header)) or _HXL.get(hashtag.split(" ")[0].lower(), "")


def _rank(header: str, field: str) -> int:
    """0: the header names the field itself (`household/head_name`); 1: an alias or an HXL hashtag."""
    return 0 if normal_header(header) == field else 1


def header_signature(headers: list[str]) -> str:
    normal = sorted(normal_header(header) for header in headers if header)
    return "headers:" + hashlib.sha256("|".join(normal).encode()).hexdigest()[:16]


def remembered(source: str) -> dict[str, str]:
    stored = ColumnMapping.objects.filter(source=source).first()
    return dict(stored.mapping) if stored else {}


def propose(headers: list[str], hashtags: list[str], source: str) -> dict[str, str]:
    """header -> field ('' to ignore): the source's remembered choices first (an ignored column stays ignored),
    then headers naming a field exactly, then aliases, each field to one column (the first in the file)."""
    known = remembered(source)
    proposal: dict[str, str] = {}
    taken: set[str] = {field for header, field in known.items() if header in headers and field}
    guesses = []
    for index, header in enumerate(headers):
        if not header:
            continue
        if header in known:
            proposal[header] = known[header]
            continue
        proposal[header] = ""
        field = guess_field(header, hashtags[index] if index < len(hashtags) else "")
        if field:
            guesses.append((_rank(header, field), index, header, field))
    for *_order, header, field in sorted(guesses):
        if field not in taken:
            proposal[header] = field
            taken.add(field)
    return proposal


def columns_report(headers: list[str], mapping: dict[str, str], source: str = "") -> list[dict]:
    """Every column of a file, mapped or ignored, and why: [{"column", "field", "status", "reason"}].

    `status` is "mapped" or "ignored"; an ignored column that looks like a household field says so
    (`looks_like`), so that nothing is dropped without a word.
    """
    known = remembered(source) if source else {}
    holder = {field: header for header, field in mapping.items() if field}
    report = []
    for header in headers:
        if not header:
            continue
        field = mapping.get(header, "")
        if field:
            report.append({"column": header, "field": field, "status": "mapped", "reason": ""})
            continue
        guess = guess_field(header)
        looks_like = looks_like_field(header, mapping)
        if _is_metadata(header):
            reason = "KoboToolbox metadata, not a household field."
        elif _other_person(header):
            reason = "About the respondent or the enumerator, not the household."
        elif header in known and known[header] == "" and header in mapping:
            reason = "Ignored for this source, as chosen before."
        elif guess and guess in holder:
            reason = f"Column '{holder[guess]}' holds {guess} already."
        elif header in mapping:
            reason = "Set to be ignored."
        else:
            reason = "No household field by this name."
        entry = {"column": header, "field": "", "status": "ignored", "reason": reason}
        if looks_like:
            entry["looks_like"] = looks_like
        report.append(entry)
    return report


def looks_like_field(header: str, mapping: dict[str, str]) -> str:
    """The household field an unmapped column seems to hold, that no column holds; '' if none.

    By its name (a known alias) or by a telling word (`type_piece_identite_chef` -> id_document_type).
    """
    if _is_metadata(header) or _other_person(header) or mapping.get(header):
        return ""
    mapped = {field for field in mapping.values() if field}
    guess = guess_field(header)
    if guess and guess not in mapped:
        return guess
    words = set(normal_header(header).split("_")) | {
        word for part in _path(header)[:-1] for word in normal_header(part).split("_")
    }
    if {"id", "piece", "document", "doc", "nina", "cni"} & words and ({"number", "numero", "num", "no"} & words):
        return "id_document_number" if "id_document_number" not in mapped else ""
    for field, telling in _LOOKS_LIKE.items():
        if field not in mapped and words & set(telling.split()):
            return field
    return ""


def unmapped_lookalikes(headers: list[str], mapping: dict[str, str], explicit: set[str] = frozenset()) -> dict:
    """Columns left unmapped (and not ignored on purpose, `explicit`) that look like a household field."""
    found = {}
    for header in headers:
        if header and header not in explicit:
            field = looks_like_field(header, mapping)
            if field:
                found[header] = field
    return found


def check(mapping: dict[str, str]) -> dict[str, str]:
    """Errors by field: unknown fields, a field taken by two columns, required fields without a column."""
    errors, seen = {}, {}
    for header, field in mapping.items():
        if not field:
            continue
        if field not in IMPORT_FIELDS:
            errors[header] = f"'{field}' is not a household field."
        elif field in seen:
            errors[header] = f"Columns '{seen[field]}' and '{header}' both say they hold {IMPORT_FIELDS[field]}."
        seen[field] = header
    for field in REQUIRED_FIELDS:
        if field not in seen:
            errors[field] = f"No column holds {str(IMPORT_FIELDS[field]).lower()}, which is required."
    return errors


def remember(source: str, mapping: dict[str, str], user) -> None:
    ColumnMapping.objects.update_or_create(source=source, defaults={"mapping": mapping, "updated_by": user})
