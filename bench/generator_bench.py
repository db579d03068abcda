"""Benchmark: the scale generator against its floor, a bare COPY of the same rows into the same indexed tables.

Run on demand, never in CI (PostgreSQL only; the role must be a superuser for --skip-fk-checks):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/generator_bench.py \
        --households 1000000 --receipts 5000000

It creates a fresh database (`--database`; an existing one only with `--replace`), migrates it (not timed), runs
`manage.py generate_scale_data --skip-fk-checks` in it as a user would, and reads the command's own
timings. Then the floor: the generated households and receipts are copied out (binary COPY, not
timed) and loaded back by COPY into empty tables made `LIKE … INCLUDING ALL` of the real ones (the
same columns, defaults, check and unique constraints and indexes; no foreign keys, which the
generator skips too), three ways, each committed:

* through one connection into the indexed tables (the issue's floor);
* the same split over `--jobs` connections at once;
* through one connection with the secondary indexes built after the COPY, as the generator does
  (demo/bulk_load.py): the strictest floor, the bare SQL doing the generator's own row work.

The figure the issue asks for: the generator's rows per second, summary rebuild and ANALYZE included
(the floors rebuild no summaries), against the fastest floor. `--floor-only` measures the floors of
an already generated `--database`.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.bulk_load import SECONDARY_INDEXES_SQL  # noqa: E402 - the generator's own choice of indexes

TABLES = ("beneficiaries_household", "distributions_receipt")


def database_url(base: str, name: str) -> str:
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def manage(url: str, *arguments: str) -> str:
    """Run manage.py with DATABASE_URL=url; its standard output (raises on failure)."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    done = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def export(url: str, table: str, part: int, parts: int, path: Path) -> int:
    """Write table rows whose id % parts == part to `path` (binary COPY); the row count."""
    with psycopg.connect(url) as conn, conn.cursor() as cursor, path.open("wb") as out:
        query = f"COPY (SELECT * FROM {table} WHERE id % {parts} = {part} ORDER BY id) TO STDOUT (FORMAT binary)"
        with cursor.copy(query) as copy:
            for block in copy:
                out.write(block)
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id % {parts} = {part}")
        return cursor.fetchone()[0]


def load(url: str, table: str, path: Path) -> None:
    """COPY `path` into the floor copy of `table`, committed."""
    with psycopg.connect(url) as conn, conn.cursor() as cursor, path.open("rb") as source:
        with cursor.copy(f"COPY floor_{table} FROM STDIN (FORMAT binary)") as copy:
            while block := source.read(1 << 20):
                copy.write(block)
        conn.commit()


def floor_seconds(url: str, files: dict[str, list[Path]], indexes_after: bool) -> float:
    """Seconds to COPY every file into fresh floor tables (households first, as the generator writes them),
    each table's parts at once, one connection per part. With `indexes_after`, the tables' secondary
    indexes are dropped before and built after the COPY, in the timed part, as the generator does."""
    with psycopg.connect(url, autocommit=True) as conn:
        deferred = []
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS floor_{table}")
            conn.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            if indexes_after:
                deferred += conn.execute(SECONDARY_INDEXES_SQL, [[f"floor_{table}"]]).fetchall()
        conn.execute("CHECKPOINT")  # start from the same clean state for every load
        started = time.perf_counter()
        for name, _definition in deferred:
            conn.execute(f'DROP INDEX "{name}"')
    for table in TABLES:
        threads = [threading.Thread(target=load, args=(url, table, path)) for path in files[table]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")  # as demo/bulk_load.py builds them
        for _name, definition in deferred:
            conn.execute(definition)
        seconds = time.perf_counter() - started
        for table in TABLES:
            conn.execute(f"DROP TABLE floor_{table}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--receipts", type=int, default=5_000_000)
    parser.add_argument("--database", default="hdt_generator_bench", help="created afresh (see --replace)")
    parser.add_argument("--jobs", type=int, default=2, help="connections of the split floor load")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--floor-only", action="store_true", help="only the floors, of the existing --database")
    parser.add_argument("--replace", action="store_true", help="drop --database first if it exists")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    base = os.environ.get("DATABASE_URL")
    if not base or not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (any database on it): the bench creates its own.")
    url = database_url(base, args.database)
    rows_seconds = all_seconds = None
    load_before = load_after = os.getloadavg()
    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
    if args.floor_only and not exists:
        sys.exit(f"No database {args.database} to measure the floors of.")
    if exists and not args.floor_only and not args.replace:
        sys.exit(f"Database {args.database} exists: give --replace to drop it, or another --database.")
    if not args.floor_only:
        with psycopg.connect(database_url(base, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
            admin.execute(f'CREATE DATABASE "{args.database}"')
        manage(url, "migrate", "--no-input", "-v", "0")
        load_before = os.getloadavg()
        output = manage(
            url,
            "generate_scale_data",
            "--households",
            str(args.households),
            "--receipts",
            str(args.receipts),
            "--skip-fk-checks",
        )
        load_after = os.getloadavg()
        print(output)
        rows_seconds = float(re.search(r"receipts in ([\d.]+) s", output).group(1))
        all_seconds = float(re.search(r"in all ([\d.]+) s", output).group(1))
    with tempfile.TemporaryDirectory(prefix="generator-floor-") as folder:
        one = {table: [Path(folder, f"{table}.bin")] for table in TABLES}
        split = {table: [Path(folder, f"{table}-{part}.bin") for part in range(args.jobs)] for table in TABLES}
        rows = sum(export(url, table, 0, 1, one[table][0]) for table in TABLES)
        for table in TABLES:
            for part, path in enumerate(split[table]):
                export(url, table, part, args.jobs, path)
        floor_one = floor_seconds(url, one, indexes_after=False)
        floor_split = floor_seconds(url, split, indexes_after=False)
        floor_after = floor_seconds(url, one, indexes_after=True)
    if not args.keep and not args.floor_only:
        with psycopg.connect(database_url(base, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{args.database}"')
    best = min(floor_one, floor_split, floor_after)
    print(f"rows: {rows:,} (households and receipts)")
    cores = os.cpu_count()
    if not args.floor_only:
        print(f"load average before / after the generator: {load_before[0]:.2f} / {load_after[0]:.2f} on {cores} cores")
    print(f"load average after the floors: {os.getloadavg()[0]:.2f} on {cores} cores")
    print(f"{'what':<52}{'seconds':>10}{'rows/s':>12}{'ratio':>8}")
    figures = [
        ("generator, rows only", rows_seconds),
        ("generator, rebuild and ANALYZE included", all_seconds),
        ("floor: COPY into LIKE … INCLUDING ALL, 1 connection", floor_one),
        (f"floor: the same split over {args.jobs} connections", floor_split),
        ("floor: COPY, then the same secondary indexes built", floor_after),
    ]
    for label, seconds in [(label, seconds) for label, seconds in figures if seconds is not None]:
        print(f"{label:<52}{seconds:>10.1f}{rows / seconds:>12,.0f}{seconds / best:>8.2f}")
    if all_seconds is None:
        return
    ratio = all_seconds / best
    print(f"the issue's aim: the generator, rebuild included, at half the floor or better: ratio <= 2 ({ratio:.2f})")


if __name__ == "__main__":
    main()
