"""Benchmark: check and import a registration CSV on PostgreSQL, against the households already stored.

Run on demand, never in CI. Prepare the existing households first (PostgreSQL only):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py generate_scale_data --households 1000000 --receipts 0
    DATABASE_URL=... .venv/bin/python manage.py refresh_match_keys     # COPY-loaded rows have no match keys
    DATABASE_URL=... .venv/bin/python bench/import_bench.py --rows 100000

The CSV is written for the scale officer's sites: new households (names drawn from lists other than
the scale data's, so that they are new), 1% spelling variants of stored households (which the
duplicate check must catch) and 2% rows with an error. The figures: the dry run (every row checked),
the import (duplicate checks, registration codes, batches of IMPORT_BATCH_SIZE), the peak memory of
this process (getrusage maxrss), and the ratio against the floor: a bare COPY of the same rows into
the real household table, with its indexes, constraints and triggers. The imported households are
deleted afterwards (--keep to keep).
"""

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.files import File  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from beneficiaries.imports import jobs  # noqa: E402
from beneficiaries.models import DuplicateReview, Household, ImportJob, ImportRow  # noqa: E402

FIRST_NAMES = {
    "F": [
        "Nana",
        "Rokia",
        "Safiatou",
        "Kadiatou",
        "Awa",
        "Maimouna",
        "Korotoumou",
        "Sitan",
        "Tenin",
        "Nienkoro",
        "Ramata",
        "Mamou",
        "Adiaratou",
        "Batoma",
        "Djenebou",
        "Fatoumata",
        "Yaye",
        "Coumba",
        "Mah",
        "Sali",
    ],
    "M": [
        "Adama",
        "Bakary",
        "Drissa",
        "Siaka",
        "Lassina",
        "Mamadou",
        "Souleymane",
        "Tiemoko",
        "Zoumana",
        "Bourama",
        "Daouda",
        "Modibo",
        "Seydou",
        "Karim",
        "Salif",
        "Bréhima",
        "Youssouf",
        "Fousseyni",
        "Nouhoum",
        "Alassane",
    ],
}
FAMILY_NAMES = [
    "Sanogo",
    "Keïta",
    "Konaté",
    "Doumbia",
    "Diarra",
    "Camara",
    "Fofana",
    "Bagayoko",
    "Samaké",
    "Kanté",
    "Haïdara",
    "Tangara",
    "Ouattara",
    "Djiré",
    "Niaré",
    "Sissoko",
    "Dabo",
    "Bouaré",
    "Goïta",
    "Poudiougou",
    "Kamaté",
    "Timbiné",
    "Yattara",
    "Sow",
    "Kouyaté",
    "Daou",
    "Mariko",
    "Sacko",
    "Dolo",
    "Tapily",
]
HEADERS = [
    "household/head_name",
    "household/head_sex",
    "household/head_birth_year",
    "location/site",
    "household/displacement_status",
    "members/f_0_5",
    "members/f_6_17",
    "members/f_18_59",
    "members/m_0_5",
    "members/m_6_17",
    "members/m_18_59",
    "household/phone",
    "household/consent",
    "household/consent_date",
]


def variant(name: str) -> str:
    """What another officer types for the same head: no accents, family name first, one letter doubled."""
    words = name.replace("é", "e").replace("ï", "i").split()
    words = words[::-1]
    words[0] = words[0][:2] + words[0][1:]
    return " ".join(words)


def write_csv(path: Path, rows: int, site_codes: list[str], rng: random.Random) -> dict:
    planted = Household.objects.filter(site__code__in=site_codes, is_active=True).order_by("?")
    stored = list(planted.values_list("head_name", "head_sex", "head_birth_year", "site__code", "phone")[: rows // 100])
    counts = {"rows": rows, "planted_duplicates": len(stored), "invalid": 0}
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADERS)
        for number in range(rows):
            if stored and number % 100 == 50:
                name, sex, year, site, phone = stored.pop()
                name = variant(name)
            else:
                sex = rng.choice("FM")
                name = f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(FAMILY_NAMES)}"
                year = rng.randint(1950, 2005)
                site = rng.choice(site_codes)
                phone = f"+223 6{number:07d}"
            if number % 50 == 7:
                sex = "?"  # an error the dry run must report
                counts["invalid"] += 1
            f18, m18 = (1, rng.randint(0, 1)) if sex in ("F", "?") else (rng.randint(0, 1), 1)
            children = [rng.randint(0, 3) for _ in range(4)]
            out.writerow(
                [
                    name,
                    sex,
                    year,
                    site,
                    "IDP",
                    children[0],
                    children[1],
                    f18,
                    children[2],
                    children[3],
                    m18,
                    phone,
                    "oui",
                    "2024-06-20",
                ]
            )
    return counts


def bare_copy_seconds(path: Path, site_ids: dict[str, int]) -> float:
    """The floor: the same rows by one COPY into the real household table, with all its indexes (the trigram
    index on name keys included), constraints and triggers, committed; then deleted again.

    What the import adds above this is its own work: parsing, checks, duplicate look-ups, audit rows. The
    rows carry the name key, phone key and registration code the import would give them (computed before
    the clock starts), so that every index is written as it is for an imported row.
    """
    from beneficiaries import codes, matching

    columns = (
        "registration_code, head_name, head_name_key, head_sex, head_birth_year, site_id, displacement_status, "
        "females_0_5, females_6_17, females_18_59, females_60_plus, males_0_5, males_6_17, males_18_59, "
        "males_60_plus, household_size, phone, phone_key, consent_given, consent_date, id_document_type, "
        "id_document_number, is_active, registered_at, updated_at"
    )
    now = "2024-06-20 08:00:00+00"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        # The rows the import can register: a row with an error is refused by both (the table's constraints).
        cells_of_rows = [cells for cells in reader if cells[1] in ("F", "M")]
    fresh_codes = codes.new_codes(len(cells_of_rows))
    rows = []
    for code, cells in zip(fresh_codes, cells_of_rows, strict=True):
        counts = [int(value) for value in cells[5:11]]
        phone = cells[11].replace(" ", "")  # E.164, as the import stores it
        rows.append(
            [
                code,
                cells[0],
                matching.name_key(cells[0]),
                cells[1],
                int(cells[2]),
                site_ids[cells[3]],
                "idp",
                counts[0],
                counts[1],
                counts[2],
                0,
                counts[3],
                counts[4],
                counts[5],
                0,
                sum(counts),
                phone,
                "".join(char for char in phone if char.isdigit())[-8:],
                True,
                cells[13],
                "",
                "",
                True,
                now,
                now,
            ]
        )
    started = time.perf_counter()
    # Autocommit: the COPY commits, as the import's batches do.
    with connection.cursor() as cursor, cursor.copy(f"COPY {Household._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Household._meta.db_table} WHERE registration_code = ANY(%s)", [fresh_codes])
    return seconds


def clean_up(job: ImportJob) -> None:
    created = ImportRow.objects.filter(job=job, household__isnull=False).values("household_id")
    reviews = ImportRow.objects.filter(job=job, review__isnull=False).values("review_id")
    household_ids = list(created.values_list("household_id", flat=True))
    review_ids = list(reviews.values_list("review_id", flat=True))
    ImportRow.objects.filter(job=job).delete()
    DuplicateReview.objects.filter(pk__in=review_ids).delete()
    with connection.cursor() as cursor:  # in SQL: the ORM's delete writes an audit row per household, one by one
        cursor.execute(f"DELETE FROM {Household._meta.db_table} WHERE id = ANY(%s)", [household_ids])
        cursor.execute(f"DELETE FROM {Household.history.model._meta.db_table} WHERE id = ANY(%s)", [household_ids])
    job.file.delete(save=False)
    job.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported households")
    args = parser.parse_args()
    officer = User.objects.get(username="scale.officer")
    sites = dict(officer.assigned_sites.values_list("code", "pk"))
    existing = Household.objects.count()
    blank_keys = Household.objects.filter(head_name_key="").count()
    if blank_keys:
        sys.exit(f"{blank_keys:,} households have no match keys: run `manage.py refresh_match_keys` first.")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registrations.csv"
        planted = write_csv(path, args.rows, sorted(sites), rng)
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        with path.open("rb") as handle:  # stored in chunks, as an upload is
            job = jobs.create_job(uploaded=File(handle, name="registrations.csv"), created_by=officer, source="bench")
        jobs.set_mapping(job, job.mapping, by=officer)
        checked_at = time.perf_counter()
        jobs.validate_job(job)
        validated_at = time.perf_counter()
        jobs.start_import(job)
        job = jobs.run_import(job)
        imported_at = time.perf_counter()
        copy_seconds = bare_copy_seconds(path, sites)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = imported_at - started
    print(f"existing households: {existing:,}; file: {args.rows:,} rows, {size_mb:.1f} MB; {planted}")
    print(f"upload + mapping: {checked_at - started:.1f} s")
    print(
        f"dry run (every row checked): {validated_at - checked_at:.1f} s "
        f"({args.rows / (validated_at - checked_at):,.0f} rows/s)"
    )
    print(
        f"import (duplicate checks, batches): {imported_at - validated_at:.1f} s "
        f"({args.rows / (imported_at - validated_at):,.0f} rows/s)"
    )
    print(
        f"outcome: {job.created_count:,} registered, {job.flagged_count:,} flagged, {job.held_count:,} held, "
        f"{job.invalid_rows:,} refused"
    )
    print(
        f"end to end: {total:.1f} s; bare COPY of the same rows into the indexed table: {copy_seconds:.2f} s; "
        f"ratio {total / copy_seconds:,.0f}x"
    )
    print(f"peak memory (maxrss): {peak_mb:.0f} MB")
    if not args.keep:
        clean_up(job)


if __name__ == "__main__":
    main()
