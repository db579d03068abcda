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
    "id_document_type": "id_type document_type type_piece type_document type_de_piece",
    "id_document_number": "id_number document_number numero_piece num_piece numero_document",
    "consent_given": "consent consentement",
    "consent_date": "date_consent date_consentement date_du_consentement",
    "woman_headed": "femme_chef_menage menage_dirige_par_une_femme",
    "person_with_disability": "disability handicap personne_handicapee",
    "older_person_headed": "chef_age personne_agee_chef",
    "child_headed": "enfant_chef menage_dirige_par_un_enfant",
    "chronic_illness": "maladie_chronique",
    "pregnant_or_lactating": "femme_enceinte_allaitante enceinte_allaitante",
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


def guess_field(header: str, hashtag: str = "") -> str:
    if re.split(r"[/:]", header.strip())[-1].startswith("_"):
        return ""  # KoboToolbox metadata: _id, _uuid, _status, _submission_time, __version__
    return _BY_ALIAS.get(normal_header(header)) or _HXL.get(hashtag.split(" ")[0].lower(), "")


def header_signature(headers: list[str]) -> str:
    normal = sorted(normal_header(header) for header in headers if header)
    return "headers:" + hashlib.sha256("|".join(normal).encode()).hexdigest()[:16]


def remembered(source: str) -> dict[str, str]:
    stored = ColumnMapping.objects.filter(source=source).first()
    return dict(stored.mapping) if stored else {}


def propose(headers: list[str], hashtags: list[str], source: str) -> dict[str, str]:
    """header -> field ('' to ignore): the source's remembered choices first, then the header's name."""
    known = remembered(source)
    proposal, taken = {}, set()
    for index, header in enumerate(headers):
        if not header:
            continue
        field = (
            known[header] if header in known else guess_field(header, hashtags[index] if index < len(hashtags) else "")
        )
        if field in taken:
            field = ""
        proposal[header] = field
        taken.add(field)
    return proposal


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
