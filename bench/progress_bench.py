"""Dashboard render and report build times, beside the bare SQL over the receipts that yields the same figures.

Run on PostgreSQL after `manage.py generate_scale_data` (which rebuilds the progress summary):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/progress_bench.py [--runs 20]

(after a migration that adds a summary, run `manage.py rebuild_progress_summary` first).

Prints p50/p95 in milliseconds and each figure as a ratio of the bare SQL's median. The bare SQL
is a GROUP BY over the receipts (kits by kit type and region; households and individuals reached,
each household once, with its sex-and-age counts), which is what the engine would do without its
summaries. Never run in CI.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="progress-bench-"))

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from beneficiaries.models import SADD_FIELDS  # noqa: E402
from projects.models import ProgressReport, Project  # noqa: E402
from projects.progress import project_progress  # noqa: E402
from projects.report_jobs import build_report  # noqa: E402

BARE_KITS = """
    SELECT r.kit_type_id, r.admin1_id, SUM(r.quantity)
    FROM distributions_receipt r JOIN distributions_distribution d ON d.id = r.distribution_id
    WHERE d.project_id = %s AND r.voided_at IS NULL
    GROUP BY r.kit_type_id, r.admin1_id
"""
BARE_REACH = f"""
    SELECT COUNT(*), SUM(household_size), {", ".join(f"SUM({name})" for name in SADD_FIELDS)}
    FROM (
        SELECT DISTINCT ON (r.household_id) r.*
        FROM distributions_receipt r JOIN distributions_distribution d ON d.id = r.distribution_id
        WHERE d.project_id = %s AND r.voided_at IS NULL
        ORDER BY r.household_id, r.received_at, r.id
    ) firsts
"""


def timed(action, runs: int) -> list[float]:
    action()  # warm up caches and connections
    samples = []
    for _run in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bare_sql(project: Project) -> tuple[list, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(BARE_KITS, [project.pk])
        kits = cursor.fetchall()
        cursor.execute(BARE_REACH, [project.pk])
        return kits, cursor.fetchone()


def filtered_dashboards(project: Project) -> list[tuple[str, dict]]:
    """Shareable dashboard URLs with one filter each (the busiest region, area and site, a month), and every site."""
    from distributions.models import ReceiptSummary

    busiest = (
        ReceiptSummary.objects.filter(project=project)
        .values("admin1_id", "admin2_id", "site_id", "kit_category")
        .annotate(kits=django.db.models.Sum("kits"))
        .order_by("-kits")
        .first()
    )
    last_day = ReceiptSummary.objects.filter(project=project).latest("day").day
    month = last_day.replace(day=1)
    candidates = [
        (f"period {month:%Y-%m}", {"start": month.isoformat(), "end": last_day.isoformat()}),
        ("admin 1 area", {"area": busiest["admin1_id"]}),
        ("admin 2 area", {"area": busiest["admin2_id"]}),
        ("site", {"site": busiest["site_id"]}),
        (f"kit category {busiest['kit_category']}", {"kit_category": busiest["kit_category"]}),
        ("every site listed (?sites=all)", {"sites": "all"}),
    ]
    return [(label, query) for label, query in candidates if None not in query.values()]  # sites without admin 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", help="project code (default: the scale project with most receipts)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--report-runs", type=int, default=3)
    parser.add_argument("--filtered-runs", type=int, default=10, help="runs of each filtered dashboard (0: none)")
    options = parser.parse_args()
    setup_test_environment()
    project = (
        Project.objects.get(code=options.project)
        if options.project
        else Project.objects.filter(code__startswith="SCALE-").order_by("-pk").first()
    )
    receipts = project.distributions.aggregate(n=django.db.models.Count("receipts"))["n"]
    print(f"project {project.code}: {receipts:,} receipts")

    kits, reach = bare_sql(project)
    progress = project_progress(project)
    assert progress.reach["households"] == reach[0] and progress.reach["individuals"] == reach[1], "figures differ"
    assert sum(row["kits"] for row in progress.kits_by_type) == sum(row[2] for row in kits), "kits differ"
    print(f"figures agree: {reach[0]:,} households, {reach[1]:,} individuals reached")

    bare = timed(lambda: bare_sql(project), max(3, options.runs // 4))
    baseline = statistics.median(bare)

    manager = (
        User.objects.filter(role=Role.PROGRAMME_MANAGER, assigned_projects=project).first()
        or User.objects.filter(is_superuser=True).first()
    )
    client = Client()
    client.force_login(manager)
    url = f"/dashboard/projects/{project.pk}/"
    dashboard = timed(lambda: client.get(url), options.runs)
    api = timed(lambda: client.get(f"/api/v1/projects/{project.pk}/progress/"), options.runs)
    filtered = []
    for label, query in filtered_dashboards(project) if options.filtered_runs else []:
        form = client.get(url, query).context["form"]
        assert form.is_valid(), form.errors  # an ignored filter would time the unfiltered page
        filtered.append(
            (f"dashboard, {label}", timed(lambda query=query: client.get(url, query), options.filtered_runs))
        )

    def one_report() -> None:
        report = ProgressReport.objects.create(
            project=project, period_start=project.start_date, period_end=datetime.date(2025, 12, 31)
        )
        assert build_report(report.pk) == "built"

    reports = timed(one_report, options.report_runs)

    print(f"{'what':44} {'p50 ms':>9} {'p95 ms':>9} {'p95 / bare SQL':>15}")
    rows = [
        ("bare SQL GROUP BY over receipts (baseline)", bare),
        ("dashboard page, server time", dashboard),
        ("API JSON twin", api),
        *filtered,
        ("report build, all five outputs", reports),
    ]
    for label, samples in rows:
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(f"{label:44} {p50:9.1f} {p95:9.1f} {p95 / baseline:14.2f}x")


if __name__ == "__main__":
    main()
