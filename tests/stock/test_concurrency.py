"""Two storekeepers dispatching the last kits at once (issue 20, Done when): on PostgreSQL, two connections,
the second waiting on the first's row lock; one dispatch is stored, the other refused, the stock never below
zero. And the database itself refuses a balance below zero whoever writes."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from stock.models import MovementKind, StockBalance, StockMovement
from tests import factories
from tests.stock.conftest import move


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dispatches_that_would_overdraw_leave_one_refused(store):
    second = factories.distribution(store["project"], store["site"], kits=[store["shelter"]])
    outcomes: dict[str, object] = {}
    first_holds = threading.Event()
    release_first = threading.Event()

    def first():
        try:
            with transaction.atomic():
                outcomes["first"] = move(
                    store, MovementKind.DISPATCHED, 300, distribution=store["distribution"], reference="WB-1"
                )
                first_holds.set()
                release_first.wait(20)  # hold the balance's row lock until the second dispatch waits on it
        except Exception as error:
            outcomes["first"] = error
            first_holds.set()
        finally:
            connections.close_all()

    def later():
        try:
            outcomes["second"] = move(store, MovementKind.DISPATCHED, 300, distribution=second, reference="WB-2")
        except Exception as error:
            outcomes["second"] = error
        finally:
            connections.close_all()

    one, two = threading.Thread(target=first), threading.Thread(target=later)
    one.start()
    assert first_holds.wait(20)
    two.start()
    deadline = time.monotonic() + 20
    while _waiting_on_a_lock() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _waiting_on_a_lock() == 1, "the second dispatch should wait on the first's lock"
    release_first.set()
    one.join(20)
    two.join(20)

    assert isinstance(outcomes["first"], StockMovement)
    assert isinstance(outcomes["second"], ValidationError)
    assert "Only 150 kits" in outcomes["second"].message_dict["quantity"][0]
    balance = StockBalance.objects.get(warehouse=store["warehouse"], kit_type=store["shelter"])
    assert (balance.dispatched, balance.on_hand) == (300, 150)
    assert StockMovement.objects.filter(kind=MovementKind.DISPATCHED).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_balance_below_zero(store):
    balance = StockBalance.objects.get(warehouse=store["warehouse"], kit_type=store["shelter"])
    with pytest.raises(IntegrityError), transaction.atomic():
        # A writer that skips the service: both constraints (never below zero, adds up) refuse it.
        StockBalance.objects.filter(pk=balance.pk).update(dispatched=500, on_hand=-50)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(pk=balance.pk).update(on_hand=10)  # no longer adds up
