"""Synthetic data at scale on PostgreSQL, for benchmarks: households and receipts by the million.

Rows are made inside PostgreSQL by batched `INSERT … SELECT` over `generate_series`, so no row
crosses the wire. Every row satisfies the same constraints as real data (sizes equal their sex and
age counts, valid registration codes with check characters, one active receipt per household,
distribution and kit, kit types planned by their distribution).

The rows, the progress summaries rebuilt from them and the indexes built over them
(demo/bulk_load.py) are one transaction: an interrupted run leaves nothing behind, and the loaded
tables are locked (ACCESS EXCLUSIVE) until it commits. Run it on a database nobody is using.
1,000,000 households and 5,000,000 receipts take about 150 s on 2 cores (docs/benchmarks.md).
"""

import math
import time
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import Role, User
from beneficiaries.codes import ALPHABET
from beneficiaries.models import Household
from demo.bulk_load import deferred_indexes
from demo.loader import DemoLoader
from distributions.models import (
    Distribution,
    DistributionItem,
    HouseholdReach,
    ReachSummary,
    Receipt,
    ReceiptSummary,
)
from distributions.progress.periods import ROLLUPS
from distributions.progress.rebuild import rebuild_summaries
from projects.models import Project, Target
from sites.models import AdminArea, Site

KIT_CODES = ("ESK-ML", "NFI-ML")
AREA_CYCLE = ("ML0506", "ML04", "ML06", "ML07")
FEMALE_NAMES = "{Fatoumata,Aïssata,Mariam,Kadidia,Aminata,Djeneba,Assetou,Hawa,Oumou,Bintou}"
MALE_NAMES = "{Amadou,Hamadoun,Boubacar,Oumar,Ousmane,Hama,Sékou,Issa,Moussa,Abdoulaye}"
FAMILY_NAMES = "{Diallo,Barry,Cissé,Traoré,Sangaré,Dicko,Touré,Guindo,Tembely,Kassogué,Ba,Maïga,Koné}"
# The tables this command fills in bulk: their indexes are built once, after the rows (demo/bulk_load.py).
BULK_LOADED = (
    Household,
    Receipt,
    ReceiptSummary,
    HouseholdReach,
    ReachSummary,
    *(rollup.model for rollup in ROLLUPS),
)
# Generated codes live above 2^39 so that they do not meet the randomly drawn codes of real registrations often.
CODE_OFFSET = 2**39


@dataclass
class Plan:
    households: int
    receipts: int
    sites: int
    batch: int

    @property
    def receipts_per_household(self) -> int:
        return math.ceil(self.receipts / self.households) if self.households else 0


def code_expression(value: str) -> str:
    """SQL for the registration code of an integer: 8 Crockford base-32 digits, then the mod-37 check."""
    digits = " || ".join(f"substr('{ALPHABET}', (({value} >> {5 * (7 - p)}) & 31)::int + 1, 1)" for p in range(8))
    check = f"substr('{ALPHABET}*~$=U', ({value} %% 37)::int + 1, 1)"
    return f"{digits} || {check}"


HOUSEHOLD_INSERT = """
INSERT INTO beneficiaries_household (
    registration_code, head_name, head_sex, head_birth_year, site_id, phone, id_document_type, id_document_number,
    consent_given, consent_date, registered_at, registered_by_id, updated_at, is_active, displacement_status,
    females_0_5, females_6_17, females_18_59, females_60_plus, males_0_5, males_6_17, males_18_59, males_60_plus,
    household_size, woman_headed, person_with_disability, older_person_headed, child_headed, chronic_illness,
    pregnant_or_lactating)
SELECT {code}, name, sex, birth_year, site_id, phone, '', '', true, DATE '2024-06-20',
       TIMESTAMPTZ '2024-06-20 08:00Z' + g * INTERVAL '1 second', %(officer)s, now(), true, status,
       f05, f617, f1859, f60, m05, m617, m1859, m60, f05 + f617 + f1859 + f60 + m05 + m617 + m1859 + m60,
       sex = 'F', random() < 0.12, f60 + m60 > 0 AND random() < 0.3, false, random() < 0.09,
       sex = 'F' AND random() < 0.25
FROM (
    SELECT g, sex, status, site_id, phone,
           CASE WHEN sex = 'F' THEN (%(female)s::text[])[1 + floor(random() * 10)::int]
                ELSE (%(male)s::text[])[1 + floor(random() * 10)::int] END
             || ' ' || (%(family)s::text[])[1 + floor(random() * 13)::int] AS name,
           1960 + floor(random() * 44)::int AS birth_year,
           floor(random() * 3)::int AS f05, floor(random() * 3)::int AS f617,
           CASE WHEN sex = 'F' THEN 1 ELSE floor(random() * 2)::int END AS f1859, floor(random() * 1.2)::int AS f60,
           floor(random() * 3)::int AS m05, floor(random() * 3)::int AS m617,
           CASE WHEN sex = 'M' THEN 1 ELSE floor(random() * 2)::int END AS m1859, floor(random() * 1.2)::int AS m60
    FROM (
        SELECT g, CASE WHEN random() < 0.38 THEN 'F' ELSE 'M' END AS sex,
               CASE WHEN random() < 0.8 THEN 'idp' ELSE 'host_community' END AS status,
               (%(site_ids)s::bigint[])[1 + (g %% %(site_count)s)] AS site_id,
               '+223 7' || lpad((g %% 10000000)::text, 7, '0') AS phone
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
    ) AS drawn
) AS household
ON CONFLICT (registration_code) DO NOTHING
"""

# A household's receipts take the first pairs (distribution, kit type) planned at its site, one receipt per
# pair: a hash join on the site (the pairs are a few hundred rows), not a series per household.
RECEIPT_INSERT = """
INSERT INTO distributions_receipt (
    client_uuid, distribution_id, project_id, household_id, kit_type_id, quantity, received_at, recorded_at,
    recorded_by_id, verification_method, proxy_name, site_id, admin1_id, admin2_id, voided_at, voided_by_id,
    void_reason, household_size, females_0_5, females_6_17, females_18_59, females_60_plus, males_0_5, males_6_17,
    males_18_59, males_60_plus, displacement_status, woman_headed, person_with_disability, older_person_headed,
    child_headed, chronic_illness, pregnant_or_lactating)
SELECT gen_random_uuid(), distribution_id, project_id, household_id, kit_type_id, 1,
       planned_start + floor(random() * days) * INTERVAL '1 day' + (8 + random() * 8) * INTERVAL '1 hour',
       now(), %(officer)s, 'registration_code', '', site_id, admin1_id, admin2_id,
       CASE WHEN voided THEN now() END, CASE WHEN voided THEN %(officer)s::bigint END,
       CASE WHEN voided THEN 'Recorded for the wrong household' ELSE '' END,
       household_size, females_0_5, females_6_17, females_18_59, females_60_plus, males_0_5,
       males_6_17, males_18_59, males_60_plus, displacement_status, woman_headed,
       person_with_disability, older_person_headed, child_headed, chronic_illness, pregnant_or_lactating
FROM (
    -- random() in a subquery's select list is drawn once per row, and the three columns above share it.
    SELECT p.distribution_id, p.project_id, h.id AS household_id, p.kit_type_id, p.planned_start, p.days,
           h.site_id, s.admin1_id, s.admin2_id, random() < 0.005 AS voided,
           h.household_size, h.females_0_5, h.females_6_17, h.females_18_59, h.females_60_plus, h.males_0_5,
           h.males_6_17, h.males_18_59, h.males_60_plus, h.displacement_status, h.woman_headed,
           h.person_with_disability, h.older_person_headed, h.child_headed, h.chronic_illness,
           h.pregnant_or_lactating
    FROM beneficiaries_household h
    JOIN sites_site s ON s.id = h.site_id
    JOIN scale_pairs p ON p.site_id = h.site_id
        AND p.idx < %(base)s + CASE WHEN h.id - %(first_id)s < %(remainder)s THEN 1 ELSE 0 END
    WHERE h.id BETWEEN %(batch_first)s AND %(batch_last)s
) AS drawn
"""


class Command(BaseCommand):
    help = "Generate synthetic households and receipts at scale on PostgreSQL (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--receipts", type=int, default=500_000)
        parser.add_argument("--sites", type=int, default=0, help="default: one site per 5,000 households")
        parser.add_argument("--batch", type=int, default=100_000, help="households per transaction")
        parser.add_argument(
            "--skip-fk-checks",
            action="store_true",
            help="skip foreign-key and change-stamp triggers while loading (needs a superuser role)",
        )

    def handle(self, *args, households: int, receipts: int, sites: int, batch: int, skip_fk_checks: bool, **options):
        for name, value, least in (("households", households, 1), ("receipts", receipts, 0), ("batch", batch, 1)):
            if value < least:
                raise CommandError(f"--{name} must be at least {least} (got {value}).")
        if sites < 0:
            raise CommandError(f"--sites must be 0 (one site per 5,000 households) or more (got {sites}).")
        plan = Plan(households, receipts, sites or max(1, households // 5000), batch)
        started = time.perf_counter()
        # One transaction: the project, its sites and distributions, the rows, the summaries and the indexes
        # built over them commit together, or nothing does (an interrupted run leaves the database as it was).
        with transaction.atomic(), deferred_indexes(*BULK_LOADED) as deferred:
            officer, site_ids = self.prepare(plan)  # writes none of the BULK_LOADED tables
            if skip_fk_checks:
                # Every row references rows read or made in this command: valid by construction. Foreign-key
                # (and change-stamp) triggers are skipped for the whole load (superuser only); unique and
                # check constraints still hold. The change stamps take their column default.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            first_id, last_id = self.insert_households(plan, officer, site_ids)
            household_seconds = time.perf_counter() - started
            self.insert_receipts(plan, officer, first_id, last_id)
            rows_seconds = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"{plan.households:,} households and {plan.receipts:,} receipts in {rows_seconds:.1f} s "
                    f"(households {plan.households / household_seconds:,.0f}/s, "
                    f"all rows {(plan.households + plan.receipts) / rows_seconds:,.0f}/s), "
                    f"{deferred} indexes to build after the summaries"
                )
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE beneficiaries_household; ANALYZE distributions_receipt;")  # the rebuild's plans
            self.rebuild_progress_summary()
            indexes_started = time.perf_counter()
        self.stdout.write(f"Indexes built and committed in {time.perf_counter() - indexes_started:.1f} s")
        analyse_started = time.perf_counter()
        with connection.cursor() as cursor:
            # Every table, not only those written: a fresh database's planner must never guess (a filtered
            # receipt list went from 21 ms to 261 ms on unanalysed statistics).
            cursor.execute("ANALYZE")
        all_seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Every table analysed in {time.perf_counter() - analyse_started:.1f} s; in all {all_seconds:.1f} s, "
                f"{(plan.households + plan.receipts) / all_seconds:,.0f} generated rows/s, rebuild included"
            )
        )

    def rebuild_progress_summary(self) -> None:
        """Rows inserted in SQL bypass record_receipt: recompute the dashboards' summaries from the receipts.

        Runs in the load's transaction, so with --skip-fk-checks the rebuild's rows skip the foreign-key
        triggers too: they are read from the receipts in the same statements, valid by construction, and
        checking a million reach rows' seven keys at commit was a third of the rebuild.
        """
        started = time.perf_counter()
        counts = rebuild_summaries()
        self.stdout.write(
            f"Progress summary rebuilt in {time.perf_counter() - started:.1f} s: "
            f"{counts['summary_rows']:,} summary rows, {counts['reach_rows']:,} reach rows"
        )

    @transaction.atomic
    def prepare(self, plan: Plan) -> tuple[User, list[int]]:
        loader = DemoLoader()
        areas = loader.load_areas()
        kits = loader.load_kits()
        orgs = loader.load_organisations()
        run = Project.objects.filter(code__startswith="SCALE-").count() + 1
        project = Project.objects.create(
            code=f"SCALE-{run}",
            title=f"Scale test project {run}",
            donor=orgs["Japan"],
            lead_organisation=orgs["IOM"],
            start_date="2024-01-01",
            end_date="2025-12-31",
        )
        project.admin_areas.set([areas[code] for code in ("ML04", "ML05", "ML06", "ML07")])
        for code in KIT_CODES:
            Target.objects.create(
                project=project, indicator="kits_distributed", kit_type=kits[code], target_value=max(1, plan.receipts)
            )
        officer, _ = User.objects.get_or_create(username="scale.officer", defaults={"role": Role.FIELD_OFFICER})
        manager, _ = User.objects.get_or_create(username="scale.manager", defaults={"role": Role.PROGRAMME_MANAGER})
        manager.assigned_projects.add(project)
        rounds = math.ceil(plan.receipts_per_household / len(KIT_CODES))
        new_sites = Site.objects.bulk_create(
            [
                Site(
                    code=f"SCALE{run}-{number:05d}",
                    name=f"Scale site {run}-{number}",
                    site_type=Site.SiteType.INFORMAL_SITE,
                    admin_area=areas[AREA_CYCLE[number % len(AREA_CYCLE)]],
                )
                for number in range(plan.sites)
            ]
        )
        for site in new_sites:  # bulk_create skips save(): derive the admin areas here
            area = site.admin_area
            site.admin1 = area.ancestor_at(AdminArea.Level.ADMIN1)
            site.admin2 = area.ancestor_at(AdminArea.Level.ADMIN2)
        Site.objects.bulk_update(new_sites, ["admin1", "admin2"])
        officer.assigned_sites.add(*new_sites)
        self.plan_distributions(project, new_sites, rounds, kits)
        return officer, [site.pk for site in new_sites]

    def plan_distributions(self, project: Project, sites: list[Site], rounds: int, kits) -> None:
        distributions = Distribution.objects.bulk_create(
            [
                Distribution(
                    project=project,
                    site=site,
                    name=f"{site.name}, round {number + 1}",
                    planned_start=f"2024-{1 + number % 12:02d}-01",
                    planned_end=f"2024-{1 + number % 12:02d}-20",
                    status=Distribution.Status.ONGOING,
                )
                for site in sites
                for number in range(rounds)
            ]
        )
        DistributionItem.objects.bulk_create(
            [
                DistributionItem(distribution=distribution, kit_type=kits[code], planned_quantity=10_000)
                for distribution in distributions
                for code in KIT_CODES
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS scale_pairs")
            cursor.execute(
                """
                CREATE UNLOGGED TABLE scale_pairs AS
                SELECT d.site_id, d.project_id,
                       (row_number() OVER (PARTITION BY d.site_id ORDER BY d.id, i.kit_type_id) - 1)::int AS idx,
                       d.id AS distribution_id, i.kit_type_id, d.planned_start,
                       (d.planned_end - d.planned_start + 1) AS days
                FROM distributions_distribution d JOIN distributions_distributionitem i ON i.distribution_id = d.id
                WHERE d.project_id = %s""",
                [project.pk],
            )
            cursor.execute("CREATE INDEX ON scale_pairs (site_id, idx)")

    def insert_households(self, plan: Plan, officer: User, site_ids: list[int]) -> tuple[int, int]:
        """Insert the households in batches; the first and last id they were given."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM beneficiaries_household")
            first_id = cursor.fetchone()[0]
            offset = CODE_OFFSET + first_id * 7919  # each run its own code range
        sql = HOUSEHOLD_INSERT.format(code=code_expression(f"({offset} + g)"))
        for first in range(1, plan.households + 1, plan.batch):
            last = min(plan.households, first + plan.batch - 1)
            with connection.cursor() as cursor:
                cursor.execute(
                    sql,
                    {
                        "officer": officer.pk,
                        "female": FEMALE_NAMES,
                        "male": MALE_NAMES,
                        "family": FAMILY_NAMES,
                        "site_ids": site_ids,
                        "site_count": len(site_ids),
                        "first": first,
                        "last": last,
                    },
                )
            self.stdout.write(f"  households {last:,}/{plan.households:,}")
        with connection.cursor() as cursor:
            # The ids the sequence gave this run's households (on the run's own sites): not MAX(id) + 1 read
            # before, which the sequence has passed wherever rows were ever rolled back or deleted.
            cursor.execute("SELECT MIN(id), MAX(id) FROM beneficiaries_household WHERE site_id = ANY(%s)", [site_ids])
            return cursor.fetchone()

    def insert_receipts(self, plan: Plan, officer: User, first_id: int, last_id: int) -> None:
        base, remainder = divmod(plan.receipts, plan.households)
        for batch_first in range(first_id, last_id + 1, plan.batch):
            batch_last = min(last_id, batch_first + plan.batch - 1)
            with connection.cursor() as cursor:
                cursor.execute(
                    RECEIPT_INSERT,
                    {
                        "officer": officer.pk,
                        "base": base,
                        "remainder": remainder,
                        "first_id": first_id,
                        "batch_first": batch_first,
                        "batch_last": batch_last,
                    },
                )
            self.stdout.write(f"  receipts for households {batch_last - first_id + 1:,}/{plan.households:,}")
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS scale_pairs")
