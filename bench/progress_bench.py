"""Every filter combination of the dashboard, through gunicorn, beside the bare SQL over the receipts.

Run on PostgreSQL after `manage.py generate_scale_data` (never in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/progress_bench.py \
        [--runs 10] [--port 8766] [--workers 3] [--report-runs 2] [--stretch-days 16]

Starts gunicorn (`--workers` sync-like gthread workers, one thread each) and, signed in as a
programme manager, GETs the dashboard page and its API twin (`/api/v1/projects/<id>/progress/`)
under every combination the dashboard's filter form offers: period (none, the last calendar month
of data, a Wednesday-to-Tuesday span) × place (none, the busiest admin 1 area, admin 2 area, site)
× kit (none, the busiest kit type, its category). Each is timed `--runs` times (after one unmeasured
request) from one client; the server time is gunicorn's own (%(D)s). Beside each, the bare SQL that
yields the same figures from the receipts (kits by kit type and region; households reached, each
once, from its first receipt within the filter) is timed once on one psycopg connection, and the ratio
given is the slower of the page's and the API's p95 over the bare SQL's time. The donor report
(all five outputs, built as the worker builds it) is timed unfiltered and with the slowest
combination of the issue (an admin 1 area and a kit category).

`--stretch-days N` first copies the summaries' rows N-1 times, each copy shifted back by the span of
the data, and rebuilds the roll-ups: the dashboard then reads N times the days (the receipts, and so
the bare SQL and the figure check, are unchanged). It rewrites the summaries: run it on a copy of
the database only (it refuses unless the database's name ends in "_stretch").
"""

import argparse
import datetime
import http.client
import itertools
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="progress-bench-"))

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from api_bench import HOST, Server, percentiles  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Min, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from beneficiaries.models import SADD_FIELDS  # noqa: E402
from distributions.models import ReachSummary, Receipt, ReceiptSummary  # noqa: E402
from distributions.progress.filters import ProgressFilter  # noqa: E402
from distributions.progress.rebuild import rebuild_rollups  # noqa: E402
from projects.models import ProgressReport, Project  # noqa: E402
from projects.progress import project_progress  # noqa: E402
from projects.report_jobs import build_report  # noqa: E402


def bare_sql(project_id: int, filters: ProgressFilter) -> tuple[str, str, list, list]:
    """The GROUP BYs over the receipts giving the filter's kits and reach (first receipt within the filter)."""
    where, params = ["d.project_id = %s", "r.voided_at IS NULL"], [project_id]
    if filters.kit_type_id:
        where.append("r.kit_type_id = %s")
        params.append(filters.kit_type_id)
    if filters.kit_category:
        where.append("k.category = %s")
        params.append(filters.kit_category)
    if filters.area_id:
        where.append("(r.admin1_id = %s OR r.admin2_id = %s)")
        params += [filters.area_id, filters.area_id]
    if filters.site_id:
        where.append("r.site_id = %s")
        params.append(filters.site_id)
    receipts = (
        "FROM distributions_receipt r JOIN distributions_distribution d ON d.id = r.distribution_id "
        f"JOIN kits_kittype k ON k.id = r.kit_type_id WHERE {' AND '.join(where)}"
    )
    period, period_params = [], []
    if filters.period_start:
        period.append("({alias}received_at AT TIME ZONE %s)::date >= %s")
        period_params += [django.conf.settings.TIME_ZONE, filters.period_start]
    if filters.period_end:
        period.append("({alias}received_at AT TIME ZONE %s)::date <= %s")
        period_params += [django.conf.settings.TIME_ZONE, filters.period_end]
    kits_period = " AND ".join(clause.format(alias="r.") for clause in period)
    kits = f"SELECT r.kit_type_id, r.admin1_id, SUM(r.quantity) {receipts}" + (
        f" AND {kits_period}" if kits_period else ""
    )
    kits += " GROUP BY r.kit_type_id, r.admin1_id"
    reach = f"""
        SELECT COUNT(*), SUM(household_size), {", ".join(f"SUM({name})" for name in SADD_FIELDS)}
        FROM (SELECT DISTINCT ON (r.household_id) r.* {receipts} ORDER BY r.household_id, r.received_at, r.id) firsts
        {"WHERE " + " AND ".join(clause.format(alias="") for clause in period) if period else ""}
    """
    return kits, reach, params + period_params, params + period_params


def run_bare(dsn: str, project_id: int, filters: ProgressFilter) -> tuple[list, tuple, float]:
    kits_sql, reach_sql, kit_params, reach_params = bare_sql(project_id, filters)
    with psycopg.connect(dsn, autocommit=True) as bare:
        started = time.perf_counter()
        kits = bare.execute(kits_sql, kit_params).fetchall()
        reach = bare.execute(reach_sql, reach_params).fetchone()
        return kits, reach, (time.perf_counter() - started) * 1000


def combinations(project: Project) -> list[tuple[str, ProgressFilter]]:
    """Every combination of period × place × kit the dashboard's form offers, on the busiest values."""
    busiest = (
        ReceiptSummary.objects.filter(project=project)
        .values("admin1_id", "admin2_id", "site_id", "kit_type_id", "kit_category")
        .annotate(kits=Sum("kits"))
        .order_by("-kits")
        .first()
    )
    # The generated data's last day: api_bench's receipts (its own distributions, recorded today) left out.
    generated = ReceiptSummary.objects.filter(project=project).exclude(distribution__name__startswith="API bench")
    last_day = generated.latest("day").day
    last_month_end = last_day.replace(day=1) - datetime.timedelta(days=1)
    wednesday = last_day - datetime.timedelta(days=(last_day.weekday() - 2) % 7 + 21)
    periods = [
        ("", {}),
        (f"{last_month_end:%Y-%m}", {"period_start": last_month_end.replace(day=1), "period_end": last_month_end}),
        (f"{wednesday}+20d", {"period_start": wednesday, "period_end": wednesday + datetime.timedelta(days=20)}),
    ]
    places = [
        ("", {}),
        ("admin1", {"area_id": busiest["admin1_id"]}),
        ("admin2", {"area_id": busiest["admin2_id"]}),
        ("site", {"site_id": busiest["site_id"]}),
    ]
    kits = [
        ("", {}),
        ("kit type", {"kit_type_id": busiest["kit_type_id"]}),
        (busiest["kit_category"], {"kit_category": busiest["kit_category"]}),
    ]
    result = []
    for (period_label, period), (place_label, place), (kit_label, kit) in itertools.product(periods, places, kits):
        label = " × ".join(part for part in (period_label, place_label, kit_label) if part) or "unfiltered"
        result.append((label, ProgressFilter(**period, **place, **kit)))
    return result


def stretch_days(project: Project, factor: int) -> None:
    """Copy the per-day summaries' rows factor-1 times, shifted back by the data's span; rebuild the roll-ups."""
    name = connection.settings_dict["NAME"]
    if not name.endswith("_stretch"):
        sys.exit(f"--stretch-days rewrites the summaries: use a copy of the database named *_stretch, not {name}")
    first = ReceiptSummary.objects.filter(project=project).earliest("day").day
    last = ReceiptSummary.objects.filter(project=project).latest("day").day
    earliest_receipt = Receipt.objects.filter(distribution__project=project).aggregate(at=Min("received_at"))["at"]
    if first < timezone.localdate(earliest_receipt):
        print(f"already stretched: summaries from {first}, receipts from {earliest_receipt:%Y-%m-%d}")
        return
    span = (last - first).days + 1
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (ReceiptSummary, ReachSummary):
            columns = [f.column for f in model._meta.concrete_fields if not f.primary_key and f.name != "day"]
            for copy in range(1, factor):
                cursor.execute(
                    f"INSERT INTO {model._meta.db_table} (day, {', '.join(columns)}) "
                    f"SELECT day - {copy * span}, {', '.join(columns)} FROM {model._meta.db_table} "
                    "WHERE project_id = %s AND day >= %s",
                    [project.pk, first],
                )
        rebuild_rollups()
        cursor.execute("ANALYZE")
    print(f"stretched: {factor} × {span} days of summaries")


def timed_get(port: int, path: str, headers: dict, runs: int) -> list[float]:
    http_connection = http.client.HTTPConnection(HOST, port, timeout=120)
    samples = []
    for run in range(runs + 1):
        started = time.perf_counter()
        http_connection.request("GET", path, headers=headers)
        response = http_connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status, body[:300])
        if run:  # the first request of each path is not counted
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", help="project code (default: the scale project with most receipts)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--report-runs", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--stretch-days", type=int, default=1)
    options = parser.parse_args()
    project = (
        Project.objects.get(code=options.project)
        if options.project
        else Project.objects.filter(code__startswith="SCALE-").order_by("-pk").first()
    )
    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"dbname={settings['NAME']} user={settings['USER']}"
    )
    receipts = project.distributions.aggregate(n=Count("receipts"))["n"]
    print(f"project {project.code}: {receipts:,} receipts; load before: {os.getloadavg()}")
    if options.stretch_days > 1:
        stretch_days(project, options.stretch_days)
    manager = User.objects.filter(role=Role.PROGRAMME_MANAGER, assigned_projects=project).first()
    client = Client()
    client.force_login(manager)
    session = {"Cookie": f"sessionid={client.cookies['sessionid'].value}", "Accept-Encoding": "identity"}
    token = {"Authorization": f"Token {Token.objects.get_or_create(user=manager)[0].key}", "Accept": "application/json"}

    rows = []
    server = Server(options.workers, 1, options.port)
    cpu_before = time.process_time()
    try:
        for label, filters in combinations(project):
            query = urlencode(filters.as_query())
            bare = [float("nan")]  # stretched: the receipts did not grow, so their SQL is no floor
            if options.stretch_days == 1:  # the summaries must give the receipts' figures
                kits, reach, elapsed = run_bare(dsn, project.pk, filters)
                progress = project_progress(project, filters)
                assert progress.reach["households"] == (reach[0] or 0), (label, progress.reach, reach)
                assert sum(row["kits"] for row in progress.kits_by_type) == sum(row[2] for row in kits), label
                bare = [elapsed]  # one run: the bare SQL takes seconds
            cpu = server.cpu_seconds()
            page = timed_get(options.port, f"/dashboard/projects/{project.pk}/?{query}", session, options.runs)
            api = timed_get(options.port, f"/api/v1/projects/{project.pk}/progress/?{query}", token, options.runs)
            cpu_ms = (server.cpu_seconds() - cpu) * 1000 / (2 * (options.runs + 1))
            rows.append((label, page, api, statistics.median(bare), cpu_ms))
    finally:
        server.stop()

    reports = []
    area_and_category = next(filters for label, filters in combinations(project) if label.startswith("admin1 × "))
    for label, filters in (("unfiltered", ProgressFilter()), ("admin1 × category", area_and_category)):

        def one_report(filters=filters) -> None:
            report = ProgressReport.objects.create(
                project=project,
                period_start=project.start_date,
                period_end=project.end_date,
                filters=replace(filters, period_start=None, period_end=None).as_query(),
            )
            assert build_report(report.pk) == "built"

        samples = []
        for _run in range(options.report_runs):
            started = time.perf_counter()
            one_report()
            samples.append((time.perf_counter() - started) * 1000)
        reports.append((label, samples))

    print(f"gunicorn {options.workers} workers, one client, {options.runs} runs each; ratio = p95 / bare SQL p50")
    print("CPU: gunicorn workers' CPU per request (page and API alike), whatever the machine's load")
    header = ("page p50", "page p95", "API p50", "API p95", "CPU", "SQL", "ratio")
    print(f"{'filters':44}" + "".join(f"{name:>10}" for name in header))
    for label, page, api, bare, cpu_ms in rows:
        page50, page95 = percentiles(page)
        api50, api95 = percentiles(api)
        ratio = max(page95, api95) / bare
        figures = (page50, page95, api50, api95, cpu_ms, bare)
        print(f"{label:44}" + "".join(f"{x:10.1f}" for x in figures) + f"{ratio:9.3f}x")
    worst = max(max(percentiles(page)[1], percentiles(api)[1]) for _label, page, api, _bare, _cpu in rows)
    print(f"slowest p95 over all combinations: {worst:.1f} ms")
    for label, samples in reports:
        print(f"donor report ({label}), all five outputs: {', '.join(f'{s:.0f}' for s in samples)} ms")
    print(f"bench process CPU {time.process_time() - cpu_before:.1f} s; load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
