"""Stock on hand and a project's pipeline after 1,000,000 movements (issue 20), beside the bare SQL over the
movements that yields the same figures.

    .venv/bin/python manage.py migrate
    .venv/bin/python bench/stock_bench.py [--movements 1000000] [--runs 20]

Creates (once; `--regenerate` to redo) a project BENCH-STOCK with 50 warehouses, 100 kit types and 20
distributions, inserts the movements in SQL (blocks of ten: 3 received × 100, 5 dispatched × 40, 1 returned
× 5, 1 adjusted −1, each block one warehouse, kit type and distribution, so every balance stays at or above
zero), rebuilds the balances (stock/rebuild.py), checks them equal to the bare SQL, then times p50/p95 in ms.
Also times record_movement itself (a dispatch and its balances, one transaction). Never run in CI.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts.models import Organisation, Role, User  # noqa: E402
from distributions.models import Distribution, DistributionItem  # noqa: E402
from kits.models import KitType  # noqa: E402
from projects.models import Project  # noqa: E402
from projects.pipeline import project_pipeline  # noqa: E402
from sites.models import AdminArea, Site  # noqa: E402
from stock.models import MovementKind, StockMovement, Warehouse  # noqa: E402
from stock.rebuild import rebuild_balances  # noqa: E402
from stock.selectors import stock_on_hand  # noqa: E402
from stock.services import record_movement  # noqa: E402

CODE = "BENCH-STOCK"
WAREHOUSES, KITS, DISTRIBUTIONS = 50, 100, 20
INSERT = """
INSERT INTO stock_stockmovement
    (kind, warehouse_id, project_id, kit_type_id, quantity, occurred_on, reference, distribution_id,
     organisation_id, reason, recorded_by_id, recorded_at, client_uuid)
SELECT
    (ARRAY['received','received','received','dispatched','dispatched','dispatched','dispatched','dispatched',
           'returned','adjusted'])[i %% 10 + 1],
    w.ids[(i / 10) %% %(warehouses)s + 1], %(project)s, k.ids[(i / 10 / %(warehouses)s) %% %(kits)s + 1],
    (ARRAY[100, 100, 100, 40, 40, 40, 40, 40, 5, -1])[i %% 10 + 1],
    DATE '2024-01-01' + (i / 10000),
    CASE WHEN i %% 10 < 8 THEN 'REF-' || (i / 10) ELSE '' END,
    CASE WHEN i %% 10 IN (3, 4, 5, 6, 7, 8) THEN d.ids[(i / 10) %% %(distributions)s + 1] END,
    NULL,
    CASE WHEN i %% 10 = 9 THEN 'count' ELSE '' END,
    %(user)s, now(), gen_random_uuid()
FROM generate_series(0, %(count)s - 1) AS i,
    (SELECT array_agg(id ORDER BY id) AS ids FROM stock_warehouse WHERE code LIKE 'BENCH-WH-%%') w,
    (SELECT array_agg(id ORDER BY id) AS ids FROM kits_kittype WHERE code LIKE 'BENCH-KIT-%%') k,
    (SELECT array_agg(id ORDER BY id) AS ids FROM distributions_distribution WHERE project_id = %(project)s) d
"""
BARE_ON_HAND = """
SELECT warehouse_id, kit_type_id, SUM(CASE
    WHEN kind IN ('received', 'returned', 'adjusted') THEN quantity
    WHEN kind IN ('dispatched', 'issued') THEN -quantity
    WHEN kind IN ('damaged', 'lost') AND distribution_id IS NULL THEN -quantity ELSE 0 END)
FROM stock_stockmovement GROUP BY warehouse_id, kit_type_id ORDER BY 1, 2
"""
BARE_PIPELINE = """
SELECT kit_type_id,
    SUM(quantity) FILTER (WHERE kind = 'received'),
    SUM(CASE WHEN kind IN ('received', 'returned', 'adjusted') THEN quantity
             WHEN kind IN ('dispatched', 'issued') THEN -quantity
             WHEN kind IN ('damaged', 'lost') AND distribution_id IS NULL THEN -quantity ELSE 0 END),
    SUM(quantity) FILTER (WHERE kind = 'dispatched') - COALESCE(SUM(quantity) FILTER (WHERE kind = 'returned'), 0)
FROM stock_stockmovement WHERE project_id = %s GROUP BY kit_type_id ORDER BY 1
"""


def world(movements: int, regenerate: bool) -> Project:
    project = Project.objects.filter(code=CODE).first()
    if project and not regenerate and StockMovement.objects.filter(project=project).count() >= movements:
        return project
    with transaction.atomic():
        org, _ = Organisation.objects.get_or_create(name="Bench agency")
        user, _ = User.objects.get_or_create(username="bench.storekeeper", defaults={"role": Role.STOREKEEPER})
        project, _ = Project.objects.get_or_create(
            code=CODE,
            defaults={
                "title": "Stock bench",
                "donor": org,
                "lead_organisation": org,
                "start_date": datetime.date(2024, 1, 1),
                "end_date": datetime.date(2030, 12, 31),
            },
        )
        country, _ = AdminArea.objects.get_or_create(
            pcode="BNC", defaults={"name": "Bench", "level": 0, "country_code": "BNC"}
        )
        site, _ = Site.objects.get_or_create(
            code="BENCH-SITE", defaults={"name": "Bench site", "site_type": "camp", "admin_area": country}
        )
        kits = [
            KitType.objects.get_or_create(code=f"BENCH-KIT-{n:03}", defaults={"name": f"Kit {n}", "category": "nfi"})[0]
            for n in range(KITS)
        ]
        for n in range(WAREHOUSES):
            Warehouse.objects.get_or_create(code=f"BENCH-WH-{n:02}", defaults={"name": f"Warehouse {n}"})
        for n in range(DISTRIBUTIONS):
            distribution, created = Distribution.objects.get_or_create(
                project=project,
                site=site,
                name=f"Bench distribution {n}",
                defaults={
                    "planned_start": datetime.date(2024, 1, 1),
                    "planned_end": datetime.date(2030, 12, 31),
                    "status": "ongoing",
                },
            )
            if created:
                DistributionItem.objects.bulk_create(
                    DistributionItem(distribution=distribution, kit_type=kit, planned_quantity=1000) for kit in kits
                )
        StockMovement.objects.filter(project=project).delete()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT,
                {
                    "warehouses": WAREHOUSES,
                    "kits": KITS,
                    "distributions": DISTRIBUTIONS,
                    "project": project.pk,
                    "user": user.pk,
                    "count": movements,
                },
            )
        print(f"inserted {movements:,} movements in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    rebuild_balances()
    print(f"rebuilt the balances in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE stock_stockmovement")
        cursor.execute("VACUUM ANALYZE stock_stockbalance")
        cursor.execute("VACUUM ANALYZE stock_distributionstock")
    return project


def timed(action, runs: int) -> list[float]:
    action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)


def bare(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def report(name: str, samples: list[float], baseline: float | None = None) -> None:
    p50, p95 = statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]
    ratio = f"  p95/bare {p95 / baseline:.3f}" if baseline else ""
    print(f"{name:<58} p50 {p50:8.2f}  p95 {p95:8.2f}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--regenerate", action="store_true")
    options = parser.parse_args()
    project = world(options.movements, options.regenerate)
    print(f"{StockMovement.objects.count():,} movements; {WAREHOUSES} warehouses x {KITS} kit types")

    on_hand = [(r["warehouse_id"], r["kit_type_id"], r["on_hand"]) for r in stock_on_hand()]
    assert on_hand == [tuple(row) for row in bare(BARE_ON_HAND)], "stock on hand differs from the bare SQL"
    pipeline = [(r.kit_type_id, r.procured, r.in_stock, r.dispatched) for r in project_pipeline(project)]
    assert pipeline == [tuple(row) for row in bare(BARE_PIPELINE, project.pk)], "pipeline differs from the bare SQL"

    bare_on_hand = timed(lambda: bare(BARE_ON_HAND), max(3, options.runs // 4))
    bare_pipeline = timed(lambda: bare(BARE_PIPELINE, project.pk), max(3, options.runs // 4))
    report("bare SQL: stock on hand, every warehouse x kit type", bare_on_hand)
    report("bare SQL: the project's pipeline", bare_pipeline)
    baseline_on_hand, baseline_pipeline = statistics.median(bare_on_hand), statistics.median(bare_pipeline)
    warehouse = Warehouse.objects.get(code="BENCH-WH-07")
    report(
        "stock_on_hand(): every warehouse x kit type (5,000 rows)", timed(stock_on_hand, options.runs), baseline_on_hand
    )
    report(
        "stock_on_hand([one warehouse]) (100 rows)",
        timed(lambda: stock_on_hand([warehouse.pk]), options.runs),
        baseline_on_hand,
    )
    report(
        "project_pipeline(project) (100 kit types)",
        timed(lambda: project_pipeline(project), options.runs),
        baseline_pipeline,
    )

    user = User.objects.get(username="bench.storekeeper")
    kit = KitType.objects.get(code="BENCH-KIT-007")
    distribution = Distribution.objects.filter(project=project).order_by("pk").first()

    def dispatch():
        record_movement(
            recorded_by=user,
            kind=MovementKind.DISPATCHED,
            warehouse=warehouse,
            project=project,
            kit_type=kit,
            quantity=1,
            occurred_on=datetime.date(2024, 6, 1),
            reference="BENCH",
            distribution=distribution,
        )

    report("record_movement: one dispatch and its balances", timed(dispatch, options.runs))


if __name__ == "__main__":
    main()
