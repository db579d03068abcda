"""Partner API latency and throughput over a real WSGI server, beside the bare SQL doing the same work.

Run on PostgreSQL after `manage.py generate_scale_data` (never in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/api_bench.py \
        [--requests 200] [--posts 400] [--bulks 5] [--clients 4] [--workers 2] [--worker-class sync] \
        [--threads 2] [--bulk-only] [--port 8765] [--writes-only]

One busy distribution: `--writes-only --clients 20 --posts 400 --bulks 0 --workers 5` has 20 clients (officers'
phones syncing) record receipts at the same distribution at once, each as soon as its last was answered (the
server's capacity); `--pace 2` makes each client record one receipt every 2 seconds instead;
`--as-field-app` sends each as the field app's sync does, a bulk POST of one.

Starts gunicorn on 127.0.0.1 (sync workers as deployed, docker-compose.yml; `--worker-class gthread` for
threads and keep-alive), signs a programme manager of every project in with a token, and drives it with
concurrent client threads in a process of their own (bench/http_clients.py; one HTTP connection each, opened
again when a sync worker closes it). Measures
median and p95 latency, as seen by the client on loopback and as gunicorn's own time for the request (server
time, from its access log), of: a household list page (first and deep cursor page), a filtered receipt list
page (site, kit type and the last 30 days of data), a single receipt POST and a 1,000-item bulk POST; and the
throughput of receipt POSTs. Each scenario is preceded by a few unmeasured requests of its kind (workers'
first requests pay imports).

Bare SQL, from one psycopg connection: for the reads, the very statements Django issued for the
same request (captured in-process), replayed; for the writes, the INSERT of the same receipts in
one committed transaction (one row, or 1,000 rows in one statement), into a scratch table with the
receipts' columns, defaults, constraints and indexes (`CREATE TABLE … (LIKE distributions_receipt
INCLUDING ALL)`, dropped at the end): never into the project, whose summaries it would not update.
Ratios are the server median over the bare SQL median. The receipts the API records go to a
distribution this bench creates ("API bench <time>").
"""

import argparse
import base64
import datetime
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from beneficiaries.models import Household  # noqa: E402
from distributions.models import Distribution, DistributionItem, Receipt  # noqa: E402
from projects.models import Project  # noqa: E402

HOST = "127.0.0.1"
SCRATCH_TABLE = "bench_scratch_receipt"
WARM_UP = 20  # receipts POSTed (single, then in small bulks) before the measured ones


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def bench_user() -> tuple[User, str]:
    user, _ = User.objects.get_or_create(username="api-bench", defaults={"role": Role.PROGRAMME_MANAGER})
    user.role = Role.PROGRAMME_MANAGER
    user.save()
    user.assigned_projects.set(Project.objects.all())
    return user, Token.objects.get_or_create(user=user)[0].key


def bench_distribution(name: str) -> tuple[Distribution, list]:
    """An open distribution at the busiest site, planning the kits the generated receipts use."""
    template = Distribution.objects.filter(items__isnull=False).order_by("id").first()
    distribution, created = Distribution.objects.get_or_create(
        name=name,
        defaults={
            "project": template.project,
            "site": template.site,
            "planned_start": template.planned_start,
            "planned_end": template.planned_end,
            "status": Distribution.Status.ONGOING,
        },
    )
    if created:
        for item in template.items.all():
            DistributionItem.objects.create(
                distribution=distribution, kit_type=item.kit_type, planned_quantity=10_000_000
            )
    return distribution, list(distribution.items.select_related("kit_type"))


def fresh_households(distribution: Distribution, count: int) -> list[Household]:
    """Households of the distribution's site with no receipt in it yet."""
    taken = Receipt.objects.filter(distribution=distribution).values("household_id")
    return list(
        Household.objects.filter(site=distribution.site, is_active=True).exclude(pk__in=taken).order_by("id")[:count]
    )


class Server:
    """gunicorn, logging each request's own time (%(D)s, microseconds): the server time of a request."""

    def __init__(self, workers: int, threads: int, port: int, worker_class: str = "sync"):
        self.port = port
        env = {**os.environ, "DJANGO_DEBUG": "false", "API_THROTTLE_USER": "100000000/minute"}
        self.log = Path(tempfile.mkstemp(prefix="api-bench-", suffix=".log")[1])
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"{HOST}:{port}", "-k", worker_class,
            "-w", str(workers), "--log-level", "warning",
            "--access-logfile", str(self.log), "--access-logformat", "%(m)s %(U)s %(s)s %(D)s",
        ]  # fmt: skip
        if worker_class == "gthread":
            # Not for sync: gunicorn turns a sync worker given --threads above 1 into a gthread one.
            command += ["--threads", str(threads), "--keep-alive", "30"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own command line
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection(HOST, port, timeout=1).request("GET", "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by gunicorn's workers, from /proc (Linux): the server's own work,
        whatever the machine's load."""
        total = 0
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.unlink(missing_ok=True)

    def mark(self) -> int:
        time.sleep(0.2)  # let the previous requests' lines (written after their responses) land first
        return self.log.stat().st_size

    def times_since(self, mark: int, path: str) -> list[float]:
        """Server times (ms) of the requests to `path` logged since `mark`."""
        time.sleep(0.2)  # the access log is written just after each response
        with self.log.open() as log:
            log.seek(mark)
            lines = [line.split() for line in log]
        return [int(fields[-1]) / 1000 for fields in lines if len(fields) == 4 and fields[1] == path]


def measured(
    server: Server, clients: int, token: str, requests: list, warm_up: list, pace: float = 0.0
) -> tuple[list, list, float]:
    """Client latencies, server times and wall time of `requests`, after `warm_up` (not counted): the
    workers' first requests pay for imports and caches a running server has already paid for."""
    drive(server.port, clients, token, warm_up)
    mark = server.mark()
    latencies, wall = drive(server.port, clients, token, requests, pace)
    server_times = server.times_since(mark, requests[0][1].split("?")[0])
    assert len(server_times) == len(requests), (len(server_times), len(requests))
    return latencies, server_times, wall


def drive(
    port: int, clients: int, token: str, requests: list[tuple[str, str, bytes | None]], pace: float = 0.0
) -> tuple[list[float], float]:
    """Send the requests from `clients` threads of a client process (bench/http_clients.py, which says how `pace`
    works); latencies in ms and the wall time in s. The process's CPU time, in s, is added to CLIENT_CPU."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}
    spec = {
        "port": port,
        "clients": clients,
        "headers": headers,
        "pace": pace,
        "requests": [[method, path, body.decode() if body is not None else None] for method, path, body in requests],
    }
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "http_clients.py")],
        input=json.dumps(spec).encode(),
        capture_output=True,
        check=True,
        preexec_fn=(lambda: os.setpriority(os.PRIO_PROCESS, 0, -10)) if CLIENT_PRIORITY else None,
    )
    answer = json.loads(done.stdout)
    if answer["failures"]:
        raise RuntimeError(f"{len(answer['failures'])} failed requests, e.g. {answer['failures'][0]}")
    CLIENT_CPU.append(answer["cpu"])
    return answer["latencies"], answer["wall"]


CLIENT_PRIORITY = False  # --client-priority: the client process at nice -10 (root)
CLIENT_CPU: list[float] = []


def captured_page(token: str, path: str) -> tuple[list[str], int]:
    """The statements Django issues for a GET of a list page, as executed (parameters interpolated), but the
    prepared ones (config/rows.py: the token look-up); and the number of rows the page returned."""
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_ACCEPT_ENCODING="identity")
    assert response.status_code == 200, response.content[:300]
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and "$1" not in query["sql"]  # not the prepared ones (the token's)
    ]
    return statements, len(response.json()["results"])


def captured_sql(token: str, path: str) -> list[str]:
    """captured_page's statements, for a page that must be full: one with no rows would be fast for nothing."""
    statements, rows = captured_page(token, path)
    assert rows == 50, f"{path}: {rows} rows"
    return statements


def time_sql(dsn: str, statements: list[str], runs: int) -> list[float]:
    samples = []
    with psycopg.connect(dsn, autocommit=True) as bare:
        for _ in range(3):
            for statement in statements:
                bare.execute(statement).fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            for statement in statements:
                bare.execute(statement).fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def time_bare_inserts(dsn: str, distribution: Distribution, user: User, households, per_statement: int, runs: int):
    """INSERT receipts (one, or many in one statement) in committed transactions into the scratch table (same
    columns, constraints and indexes as the receipts'): storing without the API, and without touching the data."""
    item = distribution.items.order_by("kit_type__code").first()
    columns = (
        "client_uuid, distribution_id, household_id, kit_type_id, quantity, received_at, recorded_at, recorded_by_id, "
        "verification_method, proxy_name, site_id, admin1_id, admin2_id, void_reason, household_size, "
        "displacement_status, females_0_5, females_6_17, females_18_59, females_60_plus, males_0_5, males_6_17, "
        "males_18_59, males_60_plus, woman_headed, person_with_disability, older_person_headed, child_headed, "
        "chronic_illness, pregnant_or_lactating, project_id"
    )
    samples = []
    site = distribution.site
    with psycopg.connect(dsn) as bare:
        bare.execute(f"CREATE TABLE IF NOT EXISTS {SCRATCH_TABLE} (LIKE distributions_receipt INCLUDING ALL)")
        bare.commit()
        for run in range(runs):
            batch = households[run * per_statement : (run + 1) * per_statement]
            rows = [
                (
                    uuid.uuid4(), distribution.pk, household.pk, item.kit_type_id, 1, "now()", "now()", user.pk,
                    "registration_code", "", site.pk, site.admin1_id, site.admin2_id, "", household.household_size,
                    household.displacement_status, household.females_0_5, household.females_6_17,
                    household.females_18_59, household.females_60_plus, household.males_0_5, household.males_6_17,
                    household.males_18_59, household.males_60_plus, household.woman_headed,
                    household.person_with_disability, household.older_person_headed, household.child_headed,
                    household.chronic_illness, household.pregnant_or_lactating, distribution.project_id,
                )
                for household in batch
            ]  # fmt: skip
            placeholders = ", ".join(["(" + ", ".join(["%s"] * 31) + ")"] * len(rows))
            flat = [value for row in rows for value in row]
            started = time.perf_counter()
            bare.execute(f"INSERT INTO {SCRATCH_TABLE} ({columns}) VALUES {placeholders}", flat)
            bare.commit()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per read scenario")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument(
        "--worker-class",
        choices=("sync", "gthread"),
        default="sync",
        help="gunicorn's worker class: sync (one request at a time per worker, the deployment's: docker-compose.yml, "
        "behind a proxy) or gthread (threads and keep-alive)",
    )
    parser.add_argument("--posts", type=int, default=400, help="single receipt POSTs")
    parser.add_argument("--bulks", type=int, default=5, help="1,000-item bulk POSTs")
    parser.add_argument("--bulk-only", action="store_true", help="only the bulk POST scenario (and its warm-up)")
    parser.add_argument("--writes-only", action="store_true", help="no read scenarios")
    parser.add_argument("--port", type=int, default=8765, help="the port gunicorn listens on (127.0.0.1)")
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="seconds between one client's receipt POSTs (0: a closed loop, each as soon as the last is answered)",
    )
    parser.add_argument(
        "--client-priority",
        action="store_true",
        help="run the clients at nice -10, above gunicorn and PostgreSQL (root): phones are other devices",
    )
    parser.add_argument(
        "--as-field-app",
        action="store_true",
        help="send each single receipt as the field app does online: a bulk POST of one (static/field/field.js)",
    )
    args = parser.parse_args()
    if args.pace < 0:
        parser.error("--pace must be 0 (a closed loop) or a number of seconds")
    if args.bulk_only:
        args.posts = 0
    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"dbname={settings['NAME']} user={settings['USER']}"
    )

    user, token = bench_user()
    households_total = Household.objects.count()
    receipts_total = Receipt.objects.count()
    print(f"data: {households_total:,} households, {receipts_total:,} receipts")
    deep_id = Household.objects.order_by("-id").values_list("id", flat=True)[1000]
    deep_cursor = base64.b64encode(urlencode({"p": str(deep_id)}).encode()).decode()
    # The site and kit type of the oldest generated receipt (its receipts spread over the whole table, the
    # slow case for an id-ordered list), over the last 30 days of generated data: a page of real rows.
    generated = Receipt.objects.exclude(distribution__name__startswith="API bench")
    busy = generated.values("site__code", "kit_type__code").order_by("id").first()
    last = generated.order_by("-received_at").values_list("received_at", flat=True).first()
    received_after = (last - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    reads = {
        "household list, first page": "/api/v1/households/?page_size=50",
        "household list, deep cursor page": f"/api/v1/households/?page_size=50&cursor={deep_cursor}",
        "receipt list, filtered": "/api/v1/receipts/?"
        + urlencode({"site": busy["site__code"], "kit_type": busy["kit_type__code"], "received_after": received_after})
        + "&page_size=50",
    }
    run = time.strftime("%Y-%m-%d %H:%M:%S")  # a fresh distribution per run: every household may receive
    distribution, items = bench_distribution(f"API bench {run}")
    kit_code = items[0].kit_type.code
    needed = 2 * WARM_UP + args.posts + 1000 * args.bulks
    households = fresh_households(distribution, needed)
    bare_households = households[: args.posts // 4 + 1000 * args.bulks]  # into the scratch table: no clash
    if args.bulk_only or args.writes_only:
        reads = {}
    if len(households) < needed:
        sys.exit(f"Only {len(households)} fresh households at {distribution.site}; lower --posts/--bulks.")

    results = []
    server = Server(args.workers, args.threads, args.port, args.worker_class)
    global CLIENT_PRIORITY
    # On one machine the client threads compete with the server for the same cores, and a starved client
    # counts its own wait for a core as the server's latency.
    CLIENT_PRIORITY = args.client_priority
    try:
        for label, path in reads.items():
            requests = [("GET", path, None)] * args.requests
            latencies, server_times, _wall = measured(
                server, args.clients, token, requests, requests[: 4 * args.clients]
            )
            sql = time_sql(dsn, captured_sql(token, path), args.requests)
            results.append((label, latencies, server_times, sql))

        def receipt(household) -> dict:
            return {
                "client_uuid": str(uuid.uuid4()),
                "distribution": distribution.pk,
                "household": household.registration_code,
                "kit_type": kit_code,
                "verification_method": "registration_code",
            }

        def post_one(household) -> tuple[str, str, bytes]:
            if args.as_field_app:  # static/field/field.js: each receipt recorded online is synced at once, in bulk
                return ("POST", "/api/v1/receipts/bulk/", json.dumps({"receipts": [receipt(household)]}).encode())
            return ("POST", "/api/v1/receipts/", json.dumps(receipt(household)).encode())

        def post_bulk(chunk) -> tuple[str, str, bytes]:
            return ("POST", "/api/v1/receipts/bulk/", json.dumps({"receipts": [receipt(h) for h in chunk]}).encode())

        warm_singles = [post_one(h) for h in households[:WARM_UP]]
        warm_bulks = [post_bulk(households[WARM_UP + 5 * i : WARM_UP + 5 * (i + 1)]) for i in range(args.clients)]
        rest = households[2 * WARM_UP :]
        singles = [post_one(h) for h in rest[: args.posts]]
        throughput = None
        if singles:
            # The warm-up apart: each worker's first requests import and compile (about 7 ms a receipt of 420).
            drive(server.port, args.clients, token, warm_singles)
            cpu_before = server.cpu_seconds()
            latencies, server_times, wall = measured(server, args.clients, token, singles, [], args.pace)
            cpu_per_receipt = (server.cpu_seconds() - cpu_before) * 1000 / len(singles)
            client_cpu = CLIENT_CPU[-1] * 1000 / len(singles)
            bare = time_bare_inserts(dsn, distribution, user, bare_households, 1, args.posts // 4)
            label = "receipt POST (bulk of one)" if args.as_field_app else "receipt POST (single)"
            results.append((label, latencies, server_times, bare))
            throughput = len(singles) / wall

        rest = rest[args.posts :]
        bulks = [post_bulk(rest[i * 1000 : (i + 1) * 1000]) for i in range(args.bulks)]
        if bulks:
            latencies, server_times, _wall = measured(server, 1, token, bulks, warm_bulks)
            bare = time_bare_inserts(dsn, distribution, user, bare_households[args.posts // 4 :], 1000, args.bulks)
            results.append(("bulk POST, 1,000 receipts", latencies, server_times, bare))
    finally:
        server.stop()
        with psycopg.connect(dsn, autocommit=True) as bare:
            bare.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")

    threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    print(f"gunicorn {args.worker_class} {args.workers} workers{threads}, {args.clients} client threads, loopback")
    print("client: latency seen by the client; server: gunicorn's own time for the request (%(D)s)")
    header = ["request", "n", "client p50", "client p95", "server p50", "server p95", "SQL p50", "ratio"]
    print(f"{header[0]:<36}" + "".join(f"{name:>11}" for name in header[1:]))
    for label, latencies, server_times, sql in results:
        p50, p95 = percentiles(latencies)
        server50, server95 = percentiles(server_times)
        sql50, _sql95 = percentiles(sql)
        figures = [p50, p95, server50, server95, sql50]
        print(
            f"{label:<36}{len(latencies):>11}" + "".join(f"{x:>11.1f}" for x in figures) + f"{server50 / sql50:>10.1f}x"
        )
    if throughput is not None:
        paced = f", each every {args.pace:g} s" if args.pace else ", each as soon as answered"
        print(f"receipt POST throughput: {throughput:.0f} receipts/s ({args.clients} clients{paced})")
        print(f"gunicorn workers' CPU per receipt POST: {cpu_per_receipt:.1f} ms (PostgreSQL's not included)")
        print(f"the clients' own CPU per receipt POST: {client_cpu:.1f} ms (on the same cores)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
