"""CPU of one single-receipt POST, in-process: the web process's and its PostgreSQL backend's, per receipt.

Run on PostgreSQL after `manage.py generate_scale_data` (never in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> DJANGO_DEBUG=false .venv/bin/python bench/receipt_cpu.py \
        [--posts 300] [--profile 0] [--show-queries] [--as-field-app]

Calls Django's WSGI handler directly (what gunicorn calls: request signals, every middleware, the
connection's health check), one request after another on one thread and one database connection, with
the `api-bench` manager's token (bench/api_bench.py) at a distribution of its own. Measures, over
`--posts` fresh households: this process's CPU (time.process_time) and the PostgreSQL backend's CPU
(/proc/<pid>/stat of pg_backend_pid(), so PostgreSQL must run on this machine), each in ms per receipt,
and the statements one POST sends. The machine's load enters CPU time far less than wall time (printed for
reference), but contention for the cores' caches still inflates it: compare commits in interleaved runs.
`--profile N` then runs N more under cProfile (CPU time) and prints the top functions; with CALLERS=<regex> in
the environment, also who calls the functions it matches.
Gunicorn's own parsing and writing are not included (bench/api_bench.py measures them).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_THROTTLE_USER", "100000000/minute")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "3600")  # one backend for the whole run: its CPU is read by pid

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.api_bench import WARM_UP, bench_distribution, bench_user, fresh_households  # noqa: E402 - sets up Django


def backend_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=300, help="measured receipt POSTs")
    parser.add_argument("--profile", type=int, default=0, help="POSTs run under cProfile afterwards")
    parser.add_argument("--show-queries", action="store_true", help="print the statements of one POST")
    parser.add_argument(
        "--as-field-app", action="store_true", help="each receipt as the field app syncs it: a bulk POST of one"
    )
    args = parser.parse_args()

    _user, token = bench_user()
    distribution, items = bench_distribution(f"API bench {time.strftime('%Y-%m-%d %H:%M:%S')} cpu")
    kit_code = items[0].kit_type.code
    households = iter(fresh_households(distribution, WARM_UP + 1 + args.posts + args.profile))
    application = get_wsgi_application()

    def post() -> None:
        receipt = {
            "client_uuid": str(uuid.uuid4()),
            "distribution": distribution.pk,
            "household": next(households).registration_code,
            "kit_type": kit_code,
            "verification_method": "registration_code",
        }
        body = json.dumps({"receipts": [receipt]} if args.as_field_app else receipt).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/receipts/bulk/" if args.as_field_app else "/api/v1/receipts/",
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Token {token}",
            "HTTP_ACCEPT": "application/json",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        status: list[str] = []
        response = application(environ, lambda code, headers, exc_info=None: status.append(code))
        content = b"".join(response)
        response.close()  # request_finished: what gunicorn does after writing
        if not status[0].startswith("200" if args.as_field_app else "201") or b'"refused"' in content:
            raise RuntimeError(f"{status[0]}: {content[:300]!r}")

    for _ in range(WARM_UP):
        post()
    with CaptureQueriesContext(connection) as captured:
        post()
    print(f"statements per receipt POST: {len(captured.captured_queries)}")
    if args.show_queries:
        for query in captured.captured_queries:
            print(f"  {query['time']}s  {query['sql'][:400]}")
    pid = connection.connection.info.backend_pid
    cpu, backend, wall = time.process_time(), backend_cpu_ms(pid), time.perf_counter()
    for _ in range(args.posts):
        post()
    cpu, wall = (time.process_time() - cpu) * 1000 / args.posts, (time.perf_counter() - wall) * 1000 / args.posts
    assert connection.connection.info.backend_pid == pid, "the connection was replaced during the run"
    backend = (backend_cpu_ms(pid) - backend) / args.posts
    print(
        f"{args.posts} POSTs: web process CPU {cpu:.2f} ms, PostgreSQL backend CPU {backend:.2f} ms, "
        f"total {cpu + backend:.2f} ms per receipt (wall {wall:.2f} ms; load {os.getloadavg()[0]:.2f})"
    )
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on PostgreSQL
        profiler.enable()
        for _ in range(args.profile):
            post()
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
        if os.environ.get("CALLERS"):
            stats.print_callers(os.environ["CALLERS"])


if __name__ == "__main__":
    main()
