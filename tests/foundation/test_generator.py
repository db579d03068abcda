"""The scale generator (benchmarks' data): rows that obey the schema, summaries that add up, indexes intact."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F, Sum

from beneficiaries.models import Household
from demo.bulk_load import deferred_indexes
from demo.management.commands.generate_scale_data import Command as GenerateScaleData
from distributions.models import REACH_SCOPES, HouseholdReach, ReachSummary, Receipt, ReceiptSummary
from projects.models import Project
from sites.models import Site

pytestmark = pytest.mark.django_db

TABLES = ("beneficiaries_household", "distributions_receipt", "distributions_householdreach")


def index_definitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [list(TABLES)])
        return {row[0] for row in cursor.fetchall()}


def distinct_households(receipts, columns: tuple[str, ...]) -> int:
    """Households counted once per value of `columns` (a scope), straight from the receipts."""
    return receipts.values("household_id", *columns).distinct().count()


def test_generated_rows_summaries_and_indexes():
    indexes_before = index_definitions()
    with connection.cursor() as cursor:  # ids the sequence gave rows since gone (rolled back, deleted)
        cursor.execute("SELECT setval(pg_get_serial_sequence('beneficiaries_household', 'id'), 5000)")
    call_command(
        "generate_scale_data", households=400, receipts=1500, sites=4, batch=150, skip_fk_checks=True, verbosity=0
    )

    project = Project.objects.get(code="SCALE-1")
    receipts = Receipt.objects.filter(distribution__project=project)
    assert Household.objects.filter(site__code__startswith="SCALE1-").count() == 400
    assert receipts.count() == 1500
    assert not receipts.exclude(project_id=F("distribution__project_id")).exists()  # the partition key is written
    active = receipts.filter(voided_at__isnull=True).annotate(kit_category=F("kit_type__category"))
    assert 0 < receipts.count() - active.count() < 30  # about 0.5 % voided, drawn per receipt

    # Every index is back, exactly as the migrations made it.
    assert index_definitions() == indexes_before

    # The summaries are the receipts' own figures, whatever the scope.
    kits = ReceiptSummary.objects.filter(project=project).aggregate(kits=Sum("kits"))["kits"]
    assert kits == active.aggregate(kits=Sum("quantity"))["kits"]
    assert HouseholdReach.objects.filter(project=project).count() == distinct_households(active, ("kit_type_id",))
    assert HouseholdReach.objects.filter(project=project, is_household_first=True).count() == distinct_households(
        active, ()
    )
    reached = dict(
        ReachSummary.objects.filter(project=project)
        .values_list("scope")
        .annotate(households=Sum("households"))
        .values_list("scope", "households")
    )
    for scope, columns in REACH_SCOPES.items():
        assert reached[scope] == distinct_households(active, columns), scope


def test_deferred_indexes_come_back_when_the_load_fails():
    before = index_definitions()
    with pytest.raises(RuntimeError), transaction.atomic(), deferred_indexes(Household, Receipt, HouseholdReach):
        assert index_definitions() < before  # set aside during the load
        raise RuntimeError("the load failed")
    assert index_definitions() == before


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a caller who forgot one
def test_deferred_indexes_need_a_transaction():
    before = index_definitions()
    with pytest.raises(RuntimeError, match="inside transaction"), deferred_indexes(Household):
        pass
    assert index_definitions() == before


def nothing_generated() -> bool:
    """No trace of a run: no SCALE project or site, no pairs table, no household or receipt."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('scale_pairs')")
        pairs_table = cursor.fetchone()[0]
    return not (
        Project.objects.filter(code__startswith="SCALE-").exists()
        or Site.objects.filter(code__startswith="SCALE").exists()
        or Household.objects.exists()
        or Receipt.objects.exists()
        or pairs_table
    )


@pytest.mark.parametrize(
    "arguments",
    [{"households": 0}, {"households": -5}, {"receipts": -1}, {"batch": 0}, {"batch": -1}, {"sites": -3}],
)
def test_bad_sizes_are_refused_before_anything_is_written(arguments):
    sizes = {"households": 40, "receipts": 100, "sites": 0, "batch": 10, **arguments}
    with pytest.raises(CommandError, match=f"--{next(iter(arguments))} must be"):
        call_command("generate_scale_data", **sizes, verbosity=0)
    assert nothing_generated()


def test_a_failed_load_leaves_nothing_behind(monkeypatch):
    """The project, its sites and distributions commit with the rows or not at all (an interrupted run)."""
    indexes_before = index_definitions()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(GenerateScaleData, "insert_receipts", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("generate_scale_data", households=40, receipts=100, sites=2, batch=10, verbosity=0)
    assert nothing_generated()
    assert index_definitions() == indexes_before
