"""Writes on administrative areas and sites: the OCHA P-code import, and the partner API's writes."""

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import selectors as scope
from accounts.models import User
from sites.models import AdminArea, Site


@dataclass
class PcodeImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _rows(path: Path, countries: set[str] | None) -> Iterable[dict]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row.get("Admin Level", "").startswith("#"):
                continue  # an HXL hashtag row
            if countries and row["Location"] not in countries:
                continue
            yield row


@transaction.atomic
def import_pcodes(path: Path, countries: Iterable[str] | None = None) -> PcodeImportResult:
    """Import admin areas from OCHA's global P-codes CSV (Location, Admin Level, P-Code, Name, Parent, Valid from).

    Areas are keyed by P-code: a known code gets the file's name, parent and valid-from date; a code
    missing from the file is left as it is (never silently re-mapped). Parents come before children.
    """
    wanted = {country.upper() for country in countries} if countries else None
    rows = sorted(_rows(path, wanted), key=lambda row: int(row["Admin Level"]))
    result = PcodeImportResult()
    known = {
        area.pcode: area
        for area in AdminArea.objects.filter(
            pcode__in={row["P-Code"] for row in rows} | {row["Location"] for row in rows}
        )
    }
    for country in sorted({row["Location"] for row in rows}):
        if country not in known:
            known[country] = AdminArea.objects.create(pcode=country, name=country, level=0, country_code=country)
            result.created += 1
    for row in rows:
        values = {
            "name": row["Name"].strip(),
            "level": int(row["Admin Level"]),
            "parent": known.get(row["Parent P-Code"]) or known[row["Location"]],
            "country_code": row["Location"],
            "valid_from": datetime.date.fromisoformat(row["Valid from date"]) if row["Valid from date"] else None,
        }
        area = known.get(row["P-Code"])
        if area is None:
            known[row["P-Code"]] = AdminArea.objects.create(pcode=row["P-Code"], **values)
            result.created += 1
        elif any(getattr(area, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(area, name, value)
            area.save()
            result.updated += 1
        else:
            result.unchanged += 1
    return result


# --- the partner API's writes (issue 18): a registration system pushes its sites, administrators areas ---------

SITE_FIELDS = (
    "code",
    "name",
    "site_type",
    "admin_area",
    "latitude",
    "longitude",
    "status",
    "population_households",
    "population_individuals",
    "population_as_of",
    "time_zone",
)
# Fixed once created: the code is the partners' key (CCCM/DTM site code), and the area decides who sees the
# site and froze the regions of its receipts; administrators change them in /admin/.
SITE_FIXED = ("code", "admin_area")
AREA_FIELDS = ("pcode", "name", "level", "parent", "country_code", "valid_from")
AREA_FIXED = ("pcode", "level", "parent", "country_code")  # sites derive their regions from them


def _checked(instance) -> None:
    """Model validation (fields, uniqueness, constraints) as a ValidationError by field: a 400, never a 500."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


@transaction.atomic
def create_site(*, created_by: User | None, **fields) -> Site:
    """A new site (SITE_FIELDS; `admin_area` an AdminArea). Raises ValidationError by field: unknown or invalid
    fields, a code in use, and, for a user who is not an administrator, an area outside its projects' scope
    (the site must be one it can see: accounts.selectors.visible_sites)."""
    unknown = sorted(set(fields) - set(SITE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    site = Site(**fields)
    _checked(site)
    site.save()
    if created_by is not None and not scope.visible_sites(created_by).filter(pk=site.pk).exists():
        raise ValidationError({"admin_area": [_("This area is outside the areas of your projects.")]})
    return site


@transaction.atomic
def update_site(site: Site, *, updated_by: User | None, **changes) -> Site:
    """Change a site's SITE_FIELDS but SITE_FIXED. Raises ValidationError by field."""
    editable = tuple(name for name in SITE_FIELDS if name not in SITE_FIXED)
    unknown = sorted(set(changes) - set(SITE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    fixed = [name for name in SITE_FIXED if name in changes and changes[name] != getattr(site, name)]
    if fixed:
        raise ValidationError({name: [_("This cannot change once the site exists.")] for name in fixed})
    locked = Site.objects.select_for_update().get(pk=site.pk)
    for name in editable:
        if name in changes:
            setattr(locked, name, changes[name])
    _checked(locked)
    locked.save()
    return locked


@transaction.atomic
def create_admin_area(**fields) -> AdminArea:
    """A new administrative area (AREA_FIELDS; `parent` an AdminArea or None). Below the country, the parent is
    one level up and the country code is the parent's. Raises ValidationError by field."""
    unknown = sorted(set(fields) - set(AREA_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    area = AdminArea(**fields)
    parent = fields.get("parent")
    errors: dict[str, list[str]] = {}
    if parent is not None and area.level is not None and parent.level != area.level - 1:
        errors["parent"] = [_("The parent must be one level up.")]
    if parent is not None and fields.get("country_code") not in (None, parent.country_code):
        errors["country_code"] = [_("An area is in its parent's country.")]
    if parent is not None:
        area.country_code = parent.country_code
    if errors:
        raise ValidationError(errors)
    _checked(area)
    area.save()
    return area


@transaction.atomic
def update_admin_area(area: AdminArea, **changes) -> AdminArea:
    """Change an area's name or valid-from date (AREA_FIXED cannot change: sites derive their regions from
    them). Raises ValidationError by field."""
    unknown = sorted(set(changes) - set(AREA_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    fixed = [name for name in AREA_FIXED if name in changes and changes[name] != getattr(area, name)]
    if fixed:
        raise ValidationError({name: [_("This cannot change once the area exists.")] for name in fixed})
    locked = AdminArea.objects.select_for_update().get(pk=area.pk)
    for name in ("name", "valid_from"):
        if name in changes:
            setattr(locked, name, changes[name])
    _checked(locked)
    locked.save()
    return locked
