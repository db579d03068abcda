"""Movements' rules (stock/services.py) and a distribution's reconciliation (distributions/reconciliation.py)."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

from distributions.models import Distribution
from distributions.plans import update_distribution
from distributions.reconciliation import explain, reconciliation
from stock.models import MovementKind, StockBalance, StockMovement
from stock.rebuild import rebuild_balances
from tests import factories
from tests.stock.conftest import move

pytestmark = pytest.mark.django_db


def _errors(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def _on_hand(store, kit="shelter") -> int:
    return StockBalance.objects.get(warehouse=store["warehouse"], kit_type=store[kit]).on_hand


def test_refusals_name_the_field(store):
    dispatch = {"distribution": store["distribution"]}
    assert "reference" in _errors(lambda: move(store, MovementKind.DISPATCHED, 5, **dispatch))
    assert "distribution" in _errors(lambda: move(store, MovementKind.DISPATCHED, 5, reference="WB"))
    assert "quantity" in _errors(lambda: move(store, MovementKind.RECEIVED, 0, reference="PO"))
    assert "quantity" in _errors(lambda: move(store, MovementKind.RECEIVED, -3, reference="PO"))
    assert "reason" in _errors(lambda: move(store, MovementKind.DAMAGED, 1))
    assert "organisation" in _errors(lambda: move(store, MovementKind.ISSUED, 1))
    future = datetime.date.today() + datetime.timedelta(days=2)
    assert "occurred_on" in _errors(lambda: move(store, MovementKind.RECEIVED, 1, reference="PO", occurred_on=future))
    other = factories.distribution(factories.project("OTHER"), store["site"], kits=[store["shelter"]])
    assert "distribution" in _errors(lambda: move(store, MovementKind.DISPATCHED, 1, reference="W", distribution=other))
    unplanned = factories.distribution(store["project"], store["site"], kits=[store["nfi"]])
    assert "kit_type" in _errors(lambda: move(store, MovementKind.DISPATCHED, 1, reference="W", distribution=unplanned))
    assert "quantity" in _errors(lambda: move(store, MovementKind.DISPATCHED, 451, reference="W", **dispatch))
    assert StockMovement.objects.count() == 2  # the two receipts of the fixture, nothing half-written
    assert _on_hand(store) == 450


def test_each_kind_moves_the_warehouse_and_the_site(store):
    dispatch = {"distribution": store["distribution"]}
    move(store, MovementKind.DISPATCHED, 50, reference="WB-7", **dispatch)
    move(store, MovementKind.RECEIVED_AT_SITE, 50, **dispatch)
    move(store, MovementKind.RETURNED, 4, **dispatch)
    move(store, MovementKind.DAMAGED, 1, reason="torn", **dispatch)  # at the site: not the warehouse's
    move(store, MovementKind.LOST, 2, reason="stolen from the store")
    move(store, MovementKind.ADJUSTED, -3, reason="count of 30 June")
    move(store, MovementKind.ISSUED, 10, organisation=factories.organisation("DGPC"))
    assert _on_hand(store) == 450 - 50 + 4 - 2 - 3 - 10
    assert "quantity" in _errors(lambda: move(store, MovementKind.RETURNED, 46, **dispatch))  # 45 left there
    for _ in range(3):
        factories.served(store)
    (row,) = reconciliation(store["distribution"])
    assert (row.dispatched, row.received_at_site, row.handed_out, row.returned, row.damaged, row.lost) == (
        50, 50, 3, 4, 1, 0,
    )  # fmt: skip
    assert row.variance == row.on_site == 42
    maintained = list(StockBalance.objects.order_by("pk").values_list("kit_type", "on_hand", "written_off"))
    rebuild_balances()
    assert list(StockBalance.objects.order_by("kit_type").values_list("kit_type", "on_hand", "written_off")) == sorted(
        maintained
    )


def test_a_resubmission_is_stored_once(store):
    key = uuid.uuid4()
    first = move(store, MovementKind.RECEIVED, 10, reference="PO-9", client_uuid=key)
    again = move(store, MovementKind.RECEIVED, 10, reference="PO-9", client_uuid=key)
    assert first.pk == again.pk
    assert _on_hand(store) == 460


def test_completion_is_refused_with_an_unexplained_variance(store):
    distribution, officer = store["distribution"], store["officer"]
    move(store, MovementKind.DISPATCHED, 5, reference="WB-1", distribution=distribution)
    factories.served(store)
    factories.served(store)
    move(store, MovementKind.RETURNED, 2, distribution=distribution)  # 5 - 2 handed out - 2 back: 1 missing
    errors = _errors(lambda: update_distribution(distribution, updated_by=officer, status="completed"))
    assert errors["status"] == ["Explain the stock variance before completing: ESK (+1)."]
    assert "explanation" in _errors(lambda: explain(distribution, store["shelter"], "  ", officer))
    explain(distribution, store["shelter"], "One kit taken at night, reported to the committee.", officer)
    # The variance changes: an explanation holds for the figure it was written for only.
    move(store, MovementKind.RETURNED, 1, distribution=distribution)
    (row,) = reconciliation(distribution)
    assert (row.variance, row.explained) == (0, True)
    move(store, MovementKind.DISPATCHED, 2, reference="WB-2", distribution=distribution)
    assert (reconciliation(distribution)[0].variance, reconciliation(distribution)[0].explained) == (2, False)
    explain(distribution, store["shelter"], "A second truck: two kits not yet counted.", officer)
    update_distribution(distribution, updated_by=officer, status="completed")
    assert Distribution.objects.get(pk=distribution.pk).status == "completed"
    assert "distribution" in _errors(lambda: move(store, MovementKind.RETURNED, 1, distribution=distribution))


def test_a_distribution_without_stock_completes_as_before(mopti):
    factories.served(mopti)
    update_distribution(mopti["distribution"], updated_by=mopti["officer"], status="completed")
    assert reconciliation(mopti["distribution"]) == []
