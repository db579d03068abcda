"""Distribution lists at scale (issue 19): count, freeze and the offline site list, beside the bare SQL.

Run on PostgreSQL after `manage.py generate_scale_data` (1,000,000 households; never in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/lists_bench.py [--runs 5]

1. Count: the live count of the plan page (distributions.lists.selectors.count_selected: households and kits
   by site, one GROUP BY) for criteria over sites, displacement status, two vulnerability flags and household
   size, chosen to select about 50,000 households; then the same with "not served in the project in the last
   30 days" added. Beside it, the hand-written SQL of the same count.
2. Freeze: services.approve_list of that list (INSERT … SELECT of the households, then of their kits, two kit
   types; the planned totals), in a transaction rolled back after each run; beside it, the two INSERT … SELECT
   written by hand, rolled back too.
3. The offline list of one site of 5,000 households (selectors.offline_list, as the phone fetches it): time,
   JSON bytes, gzip bytes; then the delta after 10 changes (`?since=`).

Medians (and the worst) of `--runs` runs, after one unmeasured run. It writes only a distribution it creates
("Lists bench <time>") and its list, left in place for a look.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from beneficiaries.models import Household  # noqa: E402
from distributions.lists import selectors, services  # noqa: E402
from distributions.lists.models import DistributionList, ListChange, ListedHousehold  # noqa: E402
from distributions.models import Distribution, DistributionItem  # noqa: E402
from kits.models import KitType  # noqa: E402
from projects.models import Project  # noqa: E402

TARGET = 50_000


def timed(work, runs: int) -> tuple[float, float, object]:
    """(median ms, worst ms, last result) of `runs` runs after one unmeasured run."""
    result = work()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), result


def rolled_back(work):
    def run():
        with transaction.atomic():
            result = work()
            transaction.set_rollback(True)
        return result

    return run


def dsn() -> str:
    db = settings.DATABASES["default"]
    return f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"


def setup():
    manager, _created = User.objects.get_or_create(
        username="lists.bench", defaults={"role": Role.ADMINISTRATOR, "is_superuser": True, "is_staff": True}
    )
    project = Project.objects.order_by("pk").first()
    sizes = dict(Household.objects.values("site_id").annotate(n=Count("pk")).values_list("site_id", "n").order_by())
    first_site = min(sizes)
    kits = list(KitType.objects.order_by("pk")[:2])
    distribution = Distribution.objects.create(
        project=project,
        site_id=first_site,
        name=f"Lists bench {timezone.now():%Y-%m-%d %H:%M:%S}",
        planned_start=project.start_date,
        planned_end=project.start_date,
        status=Distribution.Status.ONGOING,
    )
    DistributionItem.objects.create(
        distribution=distribution,
        kit_type=kits[0],
        planned_quantity=1,
        entitlement_basis=DistributionItem.Basis.PER_MEMBER,
        entitlement_quantity=1,
        entitlement_maximum=6,
    )
    DistributionItem.objects.create(distribution=distribution, kit_type=kits[1], planned_quantity=1)
    rules = {str(kits[1].pk): {"size_min": 5, "quantity": 2}}
    return manager, distribution, sizes, rules


def criteria_for(sites: list[int]) -> dict:
    return {
        "sites": sites,
        "displacement_status": ["idp", "returnee"],
        "vulnerability_any": ["woman_headed", "person_with_disability"],
        "size_min": 3,
    }


def choose_sites(distribution, items, sizes, rules) -> list[int]:
    """Sites added one by one until the criteria select about TARGET households (estimated on 4 sites)."""
    sample = sorted(sizes)[:4]
    share = selectors.count_selected(distribution, items, criteria_for(sample), rules)["households"] / sum(
        sizes[s] for s in sample
    )
    chosen, expected = [], 0.0
    for site in sorted(sizes):
        if expected >= TARGET:
            break
        chosen.append(site)
        expected += sizes[site] * share
    return chosen


BARE_COUNT = """
SELECT h.site_id, count(*),
       sum(least(h.household_size * 1, 6)),
       sum(CASE WHEN h.household_size >= 5 THEN 2 ELSE 1 END)
FROM beneficiaries_household h
WHERE h.is_active AND h.site_id = ANY(%(sites)s) AND h.displacement_status = ANY(%(statuses)s)
  AND (h.woman_headed OR h.person_with_disability) AND h.household_size >= 3
GROUP BY h.site_id
"""

BARE_FREEZE = [
    """
INSERT INTO distributions_listedhousehold (dlist_id, household_id, site_id, household_size, displacement_status,
    woman_headed, person_with_disability, older_person_headed, child_headed, chronic_illness, pregnant_or_lactating)
SELECT %(list)s, h.id, h.site_id, h.household_size, h.displacement_status, h.woman_headed, h.person_with_disability,
       h.older_person_headed, h.child_headed, h.chronic_illness, h.pregnant_or_lactating
FROM beneficiaries_household h
WHERE h.is_active AND h.site_id = ANY(%(sites)s) AND h.displacement_status = ANY(%(statuses)s)
  AND (h.woman_headed OR h.person_with_disability) AND h.household_size >= 3
""",
    """
INSERT INTO distributions_listedkit (listed_id, kit_type_id, quantity)
SELECT l.id, k.kit, CASE WHEN k.kit = %(kit0)s THEN least(l.household_size, 6)
                         WHEN l.household_size >= 5 THEN 2 ELSE 1 END
FROM distributions_listedhousehold l CROSS JOIN (VALUES (%(kit0)s), (%(kit1)s)) k(kit)
WHERE l.dlist_id = %(list)s
""",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    assert connection.vendor == "postgresql"
    manager, distribution, sizes, rules = setup()
    items = list(distribution.items.select_related("kit_type"))
    kit0, kit1 = (item.kit_type_id for item in items)
    sites = choose_sites(distribution, items, sizes, rules)
    criteria = criteria_for(sites)
    print(f"households: {sum(sizes.values()):,}; criteria over {len(sites)} sites: {json.dumps(criteria)[:160]}…")

    median, worst, counts = timed(lambda: selectors.count_selected(distribution, items, criteria, rules), args.runs)
    print(
        f"count (Django): {counts['households']:,} households, kits {counts['kits']}: "
        f"{median:.0f} ms (worst {worst:.0f})"
    )
    params = {"sites": sites, "statuses": criteria["displacement_status"]}
    with psycopg.connect(dsn(), autocommit=True) as bare:
        median, worst, rows = timed(lambda: bare.execute(BARE_COUNT, params).fetchall(), args.runs)
    print(f"count (bare SQL): {sum(row[1] for row in rows):,} households: {median:.0f} ms (worst {worst:.0f})")
    served = {**criteria, "not_served_days": 30}
    median, worst, result = timed(lambda: selectors.count_selected(distribution, items, served, rules), args.runs)
    print(f"count + not served in 30 days (Django): {result['households']:,}: {median:.0f} ms (worst {worst:.0f})")

    dlist = services.save_list(distribution, by=manager, criteria=criteria, rules=rules)
    median, worst, _ = timed(rolled_back(lambda: services.approve_list(dlist, approved_by=manager)), args.runs)
    print(f"freeze (approve_list): {median:.0f} ms (worst {worst:.0f})")
    with psycopg.connect(dsn()) as bare:

        def freeze():
            for statement in BARE_FREEZE:
                bare.execute(statement, {**params, "list": dlist.pk, "kit0": kit0, "kit1": kit1})
            bare.rollback()

        median, worst, _ = timed(freeze, args.runs)
    print(f"freeze (bare SQL, two INSERT … SELECT): {median:.0f} ms (worst {worst:.0f})")
    services.approve_list(dlist, approved_by=manager)  # kept, for a look
    print(f"frozen: {ListedHousehold.objects.filter(dlist=dlist).count():,} households")

    # The offline list of one whole site (5,000 households) on a list of its own.
    site = max(sizes, key=sizes.get)
    site_distribution = Distribution.objects.create(
        project=distribution.project,
        site_id=site,
        name=f"{distribution.name} (site {site})",
        planned_start=distribution.planned_start,
        planned_end=distribution.planned_end,
    )
    for item in items:
        DistributionItem.objects.create(
            distribution=site_distribution,
            kit_type=item.kit_type,
            planned_quantity=1,
            entitlement_basis=item.entitlement_basis,
            entitlement_quantity=item.entitlement_quantity,
            entitlement_maximum=item.entitlement_maximum,
        )
    site_list = services.save_list(site_distribution, by=manager, criteria={"sites": [site]}, rules=rules)
    services.approve_list(site_list, approved_by=manager)
    median, worst, payload = timed(lambda: selectors.offline_list(manager, site_list), args.runs)
    body = json.dumps(payload, separators=(",", ":")).encode()  # as JsonResponse writes it, without spaces
    print(
        f"offline list of site {site}: {len(payload['households']):,} households, {len(body) / 1024:.0f} KB JSON, "
        f"{len(gzip.compress(body)) / 1024:.0f} KB gzip; built in {median:.0f} ms (worst {worst:.0f})"
    )
    cursor = payload["cursor"]
    listed = list(ListedHousehold.objects.filter(dlist=site_list).values_list("household_id", flat=True)[:5])
    for household_id in listed:
        services.remove_household(
            site_list, Household.objects.get(pk=household_id), by=manager, reason="Lists bench: moved away"
        )
        services.add_household(
            site_list, Household.objects.get(pk=household_id), by=manager, reason="Lists bench: came back"
        )
    median, worst, delta = timed(lambda: selectors.offline_list(manager, site_list, since=cursor), args.runs)
    body = json.dumps(delta, separators=(",", ":")).encode()
    changes = ListChange.objects.filter(dlist=site_list, pk__gt=cursor).count()
    print(
        f"offline delta after {changes} changes: {len(body):,} bytes JSON, {len(gzip.compress(body)):,} bytes gzip; "
        f"{median:.0f} ms (worst {worst:.0f})"
    )
    print(f"lists left in place: {DistributionList.objects.filter(pk__in=[dlist.pk, site_list.pk]).count()}")


if __name__ == "__main__":
    main()
