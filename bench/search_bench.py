"""Household search through the partner API at scale, over gunicorn, beside the bare SQL of the same request.

Run on PostgreSQL after `manage.py generate_scale_data` and `manage.py refresh_match_keys` (never in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/search_bench.py \
        [--requests 100] [--port 8767]

What people type into `GET /api/v1/households/?search=`: a rare name (5 households planted among the
million, under names the generator never draws), a common family name (tens of thousands of matches: a
full first page), a name typed without accents and in another case, the last digits of a phone, and the
start of a registration code. For each: median and p95 latency at the client and gunicorn's own time for
the request, and the bare SQL of the same request (the statements Django issued, captured in-process and
replayed on one psycopg connection), with the ratio of medians. Aim (issue #17): under 50 ms.
"""

import argparse
import os
import statistics
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import api_bench
from django.db import connection

from beneficiaries import codes
from beneficiaries.models import Household

RARE_NAME = "Ag Intalla Assarid"


def plant_rare_households(count: int = 5) -> None:
    """Households whose head's name the generator never draws, at the first site: what a rare search finds."""
    if Household.objects.filter(head_name__startswith=RARE_NAME).count() >= count:
        return
    template = Household.objects.order_by("id").first()
    for number in range(count):
        Household.objects.create(
            registration_code=codes.new_code(),
            head_name=f"{RARE_NAME} {number}",
            head_sex="M",
            head_birth_year=1970 + number,
            site=template.site,
            displacement_status=template.displacement_status,
            males_18_59=1,
            household_size=1,
            consent_given=True,
            consent_date=template.consent_date,
            registered_by=template.registered_by,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE beneficiaries_household")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="requests per search")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8767, help="gunicorn's port on 127.0.0.1")
    args = parser.parse_args()
    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"dbname={settings['NAME']} user={settings['USER']}"
    )
    plant_rare_households()
    _user, token = api_bench.bench_user()
    common = Household.objects.order_by("id").values_list("head_name", "phone", "registration_code").first()
    family = common[0].split()[-1]
    searches = {
        "rare name (5 matches)": RARE_NAME.split()[1],
        "rare name, two words as typed": "intalla assarid",
        f"common family name ({family})": family,
        "common name without accents, lower case": "".join(
            char for char in unicodedata.normalize("NFD", family) if not unicodedata.combining(char)
        ).lower(),
        "phone, last 8 digits": common[1][-8:],
        "registration code, first 5 characters": common[2][:5],
    }
    print(f"data: {Household.objects.count():,} households")
    print("| search | rows | client p50 / p95 ms | server p50 / p95 ms | bare SQL p50 ms | ratio |")
    print("|---|---|---|---|---|---|")
    server = api_bench.Server(args.workers, args.threads, args.port)
    try:
        for label, typed in searches.items():
            path = "/api/v1/households/?" + urlencode({"search": typed, "page_size": 50})
            requests = [("GET", path, None)] * args.requests
            latencies, server_times, _wall = api_bench.measured(
                server, args.clients, token, requests, requests[: 4 * args.clients]
            )
            statements, rows = api_bench.captured_page(token, path)
            bare = api_bench.time_sql(dsn, statements, args.requests)
            client_p50, client_p95 = api_bench.percentiles(latencies)
            server_p50, server_p95 = api_bench.percentiles(server_times)
            bare_p50 = statistics.median(bare)
            print(
                f"| {label} | {rows} | {client_p50:.1f} / {client_p95:.1f} | {server_p50:.1f} / {server_p95:.1f} "
                f"| {bare_p50:.2f} | {server_p50 / bare_p50:.1f}× |"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
