"""What docs/scaling.md promises that runs today: dashboards' figures read from a replica, one queue per workload."""

import pytest
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from config.replica import REPLICA, reading_from_replica
from distributions.models import Receipt
from distributions.progress.periods import ROLLUPS
from tests import factories

FIGURE_TABLES = (
    '"distributions_receiptsummary"',
    '"distributions_reachsummary"',
    '"distributions_householdreach"',
    '"distributions_receipt"',
    *(f'"{rollup.model._meta.db_table}"' for rollup in ROLLUPS),
)


def _summary_reads(queries) -> list[str]:
    """The queries of progress figures: every one reads a table of distributions (summaries, reach, receipts)."""
    return [query["sql"] for query in queries if any(table in query["sql"] for table in FIGURE_TABLES)]


@pytest.fixture(autouse=True)
def close_replica_connection():
    """The replica alias opens its own connection: closed after each test so the test database can be dropped."""
    yield
    connections[REPLICA].close()


@pytest.fixture
def manager_and_receipt(mopti):
    factories.served(mopti)
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="manager")
    return mopti, manager


# Committed data (transaction=True): the replica alias has its own connection, as a real replica would.
@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
@pytest.mark.parametrize(
    "url",
    [
        lambda project: reverse("dashboard:project", args=[project.pk]),
        lambda project: f"/api/v1/projects/{project.pk}/progress/",
        lambda project: reverse("dashboard:project-list"),
    ],
    ids=["dashboard", "progress-api", "project-list"],
)
def test_progress_figures_read_from_the_replica_when_one_is_configured(client, settings, manager_and_receipt, url):
    mopti, manager = manager_and_receipt
    client.force_login(manager)
    settings.READ_REPLICA_ENABLED = True
    path = url(mopti["project"])
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(path)
    assert response.status_code == 200
    assert _summary_reads(replica.captured_queries), "the figures were not read on the replica"
    assert not _summary_reads(primary.captured_queries), "figures read on the primary although a replica is set"
    if path.startswith("/api/"):  # the replica's figures are the primary's: the receipt is counted
        assert response.json()["reach"]["households"] == 1
        settings.READ_REPLICA_ENABLED = False
        from_primary, from_replica = client.get(path).json(), response.json()
        assert {**from_primary, "generated_at": None} == {**from_replica, "generated_at": None}


@pytest.mark.django_db(databases=["default", REPLICA])
def test_without_a_replica_nothing_is_routed_to_it(client, manager_and_receipt):
    mopti, manager = manager_and_receipt
    client.force_login(manager)
    with CaptureQueriesContext(connections[REPLICA]) as replica:
        response = client.get(reverse("dashboard:project", args=[mopti["project"].pk]))
    assert response.status_code == 200
    assert replica.captured_queries == []


def test_writes_and_migrations_stay_on_the_primary(settings):
    settings.READ_REPLICA_ENABLED = True
    with reading_from_replica():
        assert router.db_for_read(Receipt) == REPLICA
        assert router.db_for_write(Receipt) == "default"
    assert router.db_for_read(Receipt) == "default"
    assert router.allow_migrate(REPLICA, "distributions") is False
    assert router.allow_migrate("default", "distributions") is True


def test_every_task_of_ours_goes_to_a_queue_that_workers_consume():
    """A task routed to a queue nobody consumes would wait for ever; a worker started without -Q takes them all."""
    from config.celery import app

    app.loader.import_default_modules()
    consumed = set(app.amqp.queues)
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours, "no task registered"
    routes = {name: app.amqp.router.route({}, name)["queue"].name for name in ours}
    assert set(routes.values()) <= consumed
    assert routes["beneficiaries.tasks.run_import"] == "imports"
    assert routes["projects.tasks.build_progress_report"] == "reports"
    assert routes["projects.tasks.anonymise_households_past_retention"] == "maintenance"
    assert {"celery", "imports", "reports", "maintenance"} <= consumed


def test_a_receipt_carries_its_distributions_project_whoever_writes_it(mopti):
    """The partition key is filled by the service, by the trigger for rows written in SQL, and can never disagree."""
    from django.db import IntegrityError, connection, transaction

    receipt = factories.served(mopti)
    assert Receipt.objects.get(pk=receipt.pk).project_id == mopti["project"].pk
    # A row written in SQL without the key (as the generator and COPY write): the trigger fills it.
    copied = [
        field.column
        for field in Receipt._meta.concrete_fields
        if field.column not in ("id", "project_id", "client_uuid", "kit_type_id", "changed_at")
    ]
    columns = ", ".join(copied)
    insert = (
        f"INSERT INTO distributions_receipt ({columns}, client_uuid, kit_type_id) "  # noqa: S608 - the model's columns
        f"SELECT {columns}, gen_random_uuid(), %s FROM distributions_receipt WHERE id = %s RETURNING project_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [mopti["nfi"].pk, receipt.pk])
        assert cursor.fetchone()[0] == mopti["project"].pk
    other_project = factories.project("MLI-OTHER")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE distributions_receipt SET project_id = %s WHERE id = %s", [other_project.pk, receipt.pk])
