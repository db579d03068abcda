"""Row checks for registration lists: every refusal names the column and says why in plain words.

Choice values are accepted in English and French (and as the codes KoboToolbox forms use).
The checks mirror the household's database constraints and beneficiaries/services.py, so a row
that passes here is refused later only for a duplicate or a change made in between.
"""

import datetime
import re
from dataclasses import dataclass, field

from anyascii import anyascii
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.selectors import visible_sites
from beneficiaries import identity
from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, DisplacementStatus
from beneficiaries.services import refuse_without_consent
from sites.models import AdminArea, Site


def _word(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", anyascii(value).lower()).strip("_")


def _choices(table: dict[str, str]) -> dict[str, str]:
    return {_word(spelling): value for value, spellings in table.items() for spelling in spellings.split("|")}


SEXES = _choices({"F": "f|female|femme|feminin|woman|women", "M": "m|male|homme|masculin|man|men"})
DISPLACEMENT = _choices(
    {
        "idp": "idp|pdi|idps|displaced|internally displaced|internally displaced person|deplace|deplace interne"
        "|deplaces internes|personne deplacee interne|internally displaced person (idp)",
        "returnee": "returnee|ret|rdp|returned|retourne|retournee|retournes|rapatrie",
        "host_community": "host_community|host community|host|hst|communaute hote|communaute d'accueil"
        "|famille d'accueil|hote|resident",
        "refugee_migrant": "refugee_migrant|refugee|ref|migrant|refugee or migrant|refugie|refugiee|refugie ou migrant",
    }
)
YES = {_word(word) for word in ["yes", "y", "oui", "o", "1", "true", "vrai", "x", "si", "نعم"]}
NO = {_word(word) for word in ["no", "n", "non", "0", "false", "faux", "لا"]}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")
# KoboToolbox select_multiple answers: the chosen options' names, separated by spaces (or one column per
# option, `vulnerability/disability`, with 1/0 or True/False). Option name -> vulnerability flag.
VULNERABILITY_OPTIONS = {
    **{name: name for name in VULNERABILITY_FIELDS},
    **{
        spelling: flag
        for flag, spellings in {
            "woman_headed": "female_headed femme_chef_menage woman_head female_head fhh whh",
            "person_with_disability": "disability disabled handicap pwd personne_handicapee disabilities",
            "older_person_headed": "older_person elderly_headed elderly older_headed personne_agee chef_age",
            "child_headed": "child_head enfant_chef chh",
            "chronic_illness": "chronic_disease chronically_ill maladie_chronique",
            "pregnant_or_lactating": "pregnant_lactating pregnant lactating plw pregnant_lactating_woman "
            "femme_enceinte_allaitante enceinte_allaitante enceinte allaitante",
        }.items()
        for spelling in spellings.split()
    },
}
NO_VULNERABILITY = {"none", "aucune", "aucun", "no_vulnerability", "nothing", "na", "n_a"}

LABELS = {
    "head_name": "a head of household name",
    "head_sex": "the sex of the head of household",
    "head_birth_year": "the birth year of the head of household",
    "site": "the site",
    "displacement_status": "the displacement status",
}


@dataclass
class RowResult:
    fields: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)  # [{"column": header, "reason": ...}]
    notes: list[dict] = field(default_factory=list)  # [{"column": header, "note": ...}]: read otherwise than typed

    def refuse(self, column: str, reason: str) -> None:
        self.errors.append({"column": column, "reason": reason})

    def note(self, column: str, note: str) -> None:
        self.notes.append({"column": column, "note": note})


def _number(text: str) -> int | None:
    text = text.strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    return None


def parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}T", text):  # KoboToolbox: 2024-06-20T10:00:00.000+00:00
        text = text[:10]
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class RowValidator:
    """Checks the rows of one file for one user; sites and areas are looked up once, not per row."""

    def __init__(self, user, mapping: dict[str, str]):
        self.user = user
        self.column = {field: header for header, field in mapping.items() if field}
        self.this_year = timezone.localdate().year
        self.today = timezone.localdate()
        sites = list(visible_sites(user).select_related("admin_area", "admin1", "admin2"))
        self.sites = {site.code.lower(): site for site in sites}
        self.sites.update({_word(site.name): site for site in sites if _word(site.name) not in self.sites})
        self.all_site_codes = None  # loaded only when a row names a site out of scope
        self.areas: dict[str, AdminArea] | None = None
        self.document_types: dict[str, list] = {}  # country -> its ID document types, looked up once

    def _area(self, text: str) -> AdminArea | None:
        if self.areas is None:
            self.areas = {}
            for area in AdminArea.objects.filter(level__gte=1).only("pcode", "name", "level"):
                self.areas[area.pcode.lower()] = area
                self.areas.setdefault(_word(area.name), area)
        return self.areas.get(text.strip().lower()) or self.areas.get(_word(text))

    def validate(self, values: dict[str, str]) -> RowResult:
        """`values`: field -> the cell's text. Returns the household fields, or the reasons for refusal."""
        result = RowResult()
        for name, text in values.items():
            if "\ufffd" in text:  # U+FFFD: a character lost before it reached us; never stored
                result.refuse(
                    self.column.get(name, name),
                    f"'{text}' holds a character that could not be read (\ufffd): correct it in the file.",
                )
        for name, label in LABELS.items():
            if not values.get(name, "").strip():
                result.refuse(self.column.get(name, name), f"Empty: {label} is required.")
        self._name(values, result)
        self._sex(values, result)
        self._birth_year(values, result)
        self._site(values, result)
        self._status(values, result)
        self._members(values, result)
        self._phone(values, result)
        self._id_document(values, result)
        self._consent(values, result)
        chosen = self._vulnerabilities(values, result)
        for name in VULNERABILITY_FIELDS:
            flag = self._flag(name, values, result, default=False)
            if name in chosen and values.get(name, "").strip() and not flag:
                result.refuse(
                    self.column[name],
                    f"'{values[name]}' says no, but {self.column['vulnerabilities']} chooses it: which is right?",
                )
            result.fields[name] = flag or name in chosen
        if result.errors:
            result.fields = {}
        return result

    def _name(self, values, result) -> None:
        name = " ".join(values.get("head_name", "").split())
        if len(name) > 200:
            result.refuse(self.column["head_name"], f"The name is {len(name)} characters long; 200 at most.")
        elif name:
            result.fields["head_name"] = name

    def _sex(self, values, result) -> None:
        text = values.get("head_sex", "").strip()
        if text:
            sex = SEXES.get(_word(text))
            if sex is None:
                result.refuse(
                    self.column["head_sex"], f"'{text}' is not a sex we know: write F or M (female/male, femme/homme)."
                )
            result.fields["head_sex"] = sex

    def _birth_year(self, values, result) -> None:
        text = values.get("head_birth_year", "").strip()
        if not text:
            return
        year = _number(text)
        if year is None:
            date = parse_date(text)
            year = date.year if date else None
        if year is None:
            result.refuse(
                self.column["head_birth_year"], f"'{text}' is not a year: write it with four digits, like 1984."
            )
        elif not self.this_year - 120 <= year <= self.this_year:
            result.refuse(
                self.column["head_birth_year"],
                f"Birth year {year} is not possible: it should be between {self.this_year - 120} and {self.this_year}.",
            )
        else:
            result.fields["head_birth_year"] = year

    def _site(self, values, result) -> None:
        text = values.get("site", "").strip()
        if not text:
            return
        site = self.sites.get(text.lower()) or self.sites.get(_word(text))
        if site is None:
            exists = Site.objects.filter(code__iexact=text).exists() or Site.objects.filter(name__iexact=text).exists()
            reason = (
                f"Site '{text}' is not one of the sites you may register households for."
                if exists
                else f"No site has the code or name '{text}'."
            )
            result.refuse(self.column["site"], reason)
            return
        result.fields["site"] = site
        area_text = values.get("admin_area", "").strip()
        if area_text:
            area = self._area(area_text)
            if area is None:
                result.refuse(self.column["admin_area"], f"'{area_text}' is not a known P-code or area name.")
            elif area.pk not in {site.admin_area_id, site.admin1_id, site.admin2_id}:
                where = site.admin2 or site.admin_area
                result.refuse(
                    self.column["admin_area"],
                    f"Site {site.name} lies in {where.name} ({where.pcode}), not in {area.name} ({area.pcode}).",
                )

    def _status(self, values, result) -> None:
        text = values.get("displacement_status", "").strip()
        if text:
            status = DISPLACEMENT.get(_word(text))
            if status is None:
                known = ", ".join(str(label) for label in DisplacementStatus.labels)
                result.refuse(
                    self.column["displacement_status"], f"'{text}' is not a displacement status: use one of {known}."
                )
            result.fields["displacement_status"] = status

    def _members(self, values, result) -> None:
        counted, bad = 0, False
        for name in SADD_FIELDS:
            text = values.get(name, "").strip()
            count = _number(text) if text else 0
            if count is None or count > 50:
                result.refuse(
                    self.column[name], f"'{text}' is not a number of people: write a whole number, 0 or more."
                )
                bad = True
                continue
            result.fields[name] = count
            counted += count
        size_text = values.get("household_size", "").strip()
        size = _number(size_text) if size_text else None
        size_column = self.column.get("household_size", self.column.get("females_18_59", "household_size"))
        if size_text and size is None:
            result.refuse(size_column, f"'{size_text}' is not a household size: write a whole number.")
        elif bad:
            return
        elif size is not None and size != counted:
            result.refuse(size_column, f"Household size is {size} but the sex and age counts add up to {counted}.")
        elif counted == 0:
            result.refuse(size_column, "No members counted: fill in the sex and age counts (at least the head).")
        else:
            result.fields["household_size"] = counted

    def _phone(self, values, result) -> None:
        text = values.get("phone", "").strip()
        if not text:
            result.fields["phone"] = ""
            return
        site = result.fields.get("site")
        try:
            result.fields["phone"] = identity.normalise_phone(text, identity.site_country(site))
        except ValueError:
            result.refuse(
                self.column["phone"],
                f"'{text}' is not a phone number: 8 to 15 digits, with + and the country code if abroad.",
            )

    def _id_document(self, values, result) -> None:
        number = values.get("id_document_number", "").strip()
        type_text = values.get("id_document_type", "").strip()
        result.fields["id_document_type"] = ""
        result.fields["id_document_number"] = ""
        if identity.is_placeholder_id_number(number):
            result.note(
                self.column["id_document_number"],
                f"'{number}' is not an ID document number: registered without an ID document.",
            )
            return
        document_type = ""
        if type_text:
            site = result.fields.get("site")
            country = identity.site_country(site)
            if country not in self.document_types:
                self.document_types[country] = identity.document_types(country)
            types = self.document_types[country]
            document_type = identity.document_type_code(type_text, types)
            if document_type is None:
                known = ", ".join(f"{kind.code} ({kind.label})" for kind in types)
                result.refuse(
                    self.column["id_document_type"], f"'{type_text}' is not an ID document type: use one of {known}."
                )
        if number and not type_text:
            column = self.column.get("id_document_type", self.column["id_document_number"])
            result.refuse(column, "An ID number is given without saying which document it belongs to.")
        if len(number) > 50:
            result.refuse(self.column["id_document_number"], "The ID number is longer than 50 characters.")
        result.fields["id_document_type"] = document_type or ""
        result.fields["id_document_number"] = number

    def _vulnerabilities(self, values, result) -> set[str]:
        """The flags a select_multiple answer chooses ('woman_headed disability'); unknown options refused."""
        text = values.get("vulnerabilities", "").strip()
        chosen: set[str] = set()
        for option in text.replace(",", " ").replace(";", " ").split():
            word = _word(option)
            if word in NO_VULNERABILITY:
                continue
            flag = VULNERABILITY_OPTIONS.get(word)
            if flag is None:
                known = ", ".join(sorted(VULNERABILITY_FIELDS))
                result.refuse(
                    self.column["vulnerabilities"], f"'{option}' is not a vulnerability we know: use {known}."
                )
            else:
                chosen.add(flag)
        return chosen

    def _flag(self, name, values, result, default: bool) -> bool:
        text = values.get(name, "").strip()
        if not text:
            return default
        word = _word(text)
        if word in YES:
            return True
        if word in NO:
            return False
        result.refuse(self.column[name], f"'{text}' is not yes or no (oui/non).")
        return default

    def _consent(self, values, result) -> None:
        """No consent column (or an empty cell): consent unknown, as before. A "no": the row is refused."""
        if values.get("consent_given", "").strip():
            given = self._flag("consent_given", values, result, default=False)
            result.fields["consent_given"] = given
            try:
                refuse_without_consent({"consent_given": given})
            except ValidationError as error:
                result.refuse(self.column["consent_given"], error.message_dict["consent_given"][0])
        text = values.get("consent_date", "").strip()
        if not text:
            result.fields["consent_date"] = None
            return
        date = parse_date(text)
        if date is None:
            result.refuse(self.column["consent_date"], f"'{text}' is not a date: write it as 2024-06-20 or 20/06/2024.")
        elif date > self.today:
            result.refuse(self.column["consent_date"], f"The consent date {date.isoformat()} is in the future.")
        else:
            result.fields["consent_date"] = date
