"""Writes on administrative areas and sites."""

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from sites.models import AdminArea


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
