"""A handover linked to the stock issue it came from (issues 20 and 21): the link is checked, shown, and fixed."""

import datetime

import pytest

from accounts.models import Organisation
from kits.models import KitType
from projects.indicators.models import Handover
from stock.models import MovementKind, Warehouse
from stock.services import record_movement
from tests.indicators.conftest import api_client

URL = "/api/v1/indicator-results/"


@pytest.fixture
def issue(world):
    """20 shelter kits issued from the demo's Mopti warehouse to the Civil Protection, by the storekeeper."""
    warehouse = Warehouse.objects.order_by("id").first()
    storekeeper = warehouse.keepers.first()

    def issued(quantity=20, organisation=None):
        return record_movement(
            recorded_by=storekeeper,
            kind=MovementKind.ISSUED,
            warehouse=warehouse,
            project=world["project"],
            kit_type=KitType.objects.get(code="ESK-ML"),
            quantity=quantity,
            occurred_on=datetime.date(2024, 8, 20),
            organisation=organisation or world["civil_protection"],
            reference="WB-DRPC-1",
        ).movement

    return issued


def _tents(world, **fields):
    return {
        "indicator": world["indicators"]["tents-civil-protection"].pk,
        "date": "2024-08-20",
        "admin_area": "ML05",
        "quantity": 20,
        "handover_to": world["civil_protection"].name,
        **fields,
    }


def test_a_handover_names_its_stock_issue(world, issue):
    movement = issue()
    manager = api_client(world["users"]["manager"])
    answer = manager.post(URL, _tents(world, handover_movement=movement.pk), format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["handover_movement"] == movement.pk
    assert Handover.objects.get(result_id=answer.json()["id"]).stock_movement == movement
    # The link is fixed once reported, and one issue makes one handover.
    again = manager.post(URL, _tents(world, handover_movement=movement.pk), format="json")
    assert again.status_code == 400
    assert "already linked to another handover" in again.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": 19}, "not of the quantity"),
        ({"organisation": "other"}, "another organisation"),
        ({"handover_to": None}, "name the organisation"),
    ],
)
def test_a_stock_issue_that_is_not_the_handover_is_refused_on_the_field(world, issue, change, message):
    other = Organisation.objects.create(name="Another NGO")
    movement = issue(organisation=other if change.get("organisation") else None)
    body = _tents(world, handover_movement=movement.pk)
    if "quantity" in change:
        body["quantity"] = change["quantity"]
    if "handover_to" in change:
        body["handover_to"] = None
    answer = api_client(world["users"]["manager"]).post(URL, body, format="json")
    assert answer.status_code == 400, answer.content
    assert message in answer.content.decode()
    assert "handover_movement" in answer.content.decode()
    assert not Handover.objects.exists()


def test_a_receipt_movement_is_not_a_handover_and_an_officer_cannot_name_stock(world, issue):
    received = Warehouse.objects.order_by("id").first().movements.filter(kind=MovementKind.RECEIVED).first()
    manager = api_client(world["users"]["manager"])
    answer = manager.post(URL, _tents(world, handover_movement=received.pk), format="json")
    assert answer.status_code == 400
    assert "not an issue to an organisation" in answer.content.decode()
    # Field officers see no stock movements: the id is unknown to them, a 400 on the field.
    officer = api_client(world["users"]["officer"])
    body = _tents(world, handover_movement=issue().pk)
    answer = officer.post(URL, body, format="json")
    assert answer.status_code in (400, 403)
    assert not Handover.objects.exists()
