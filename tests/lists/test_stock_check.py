"""A list is approved only if the project has stock of each planned kit's category, where it tracks stock (#19, #20)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from distributions.lists import services
from stock.models import MovementKind, Warehouse
from stock.services import record_movement
from tests import factories
from tests.lists.test_lists import draft


@pytest.fixture
def operation(mopti):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="mariam")
    factories.household(mopti["site"], females_18_59=1)
    return {**mopti, "manager": manager}


def _received(operation, kit: str, quantity: int = 10):
    storekeeper = factories.user(Role.STOREKEEPER, projects=[operation["project"]])
    warehouse, _ = Warehouse.objects.get_or_create(code="WH-M", defaults={"name": "Mopti warehouse"})
    warehouse.keepers.add(storekeeper)
    record_movement(
        recorded_by=storekeeper,
        kind=MovementKind.RECEIVED,
        warehouse=warehouse,
        project=operation["project"],
        kit_type=operation[kit],
        quantity=quantity,
        occurred_on=datetime.date(2024, 6, 20),
        reference="PO-1",
    )


def test_a_project_without_stock_records_plans_as_before(operation):
    assert services.approve_list(draft(operation), approved_by=operation["manager"]).is_approved


def test_a_planned_kit_with_no_stock_of_its_category_refuses_the_list(operation):
    _received(operation, "shelter")  # shelter kits in the warehouse; no NFI kit anywhere
    with pytest.raises(ValidationError) as error:
        services.approve_list(draft(operation), approved_by=operation["manager"])
    assert list(error.value.message_dict) == ["items"]
    assert operation["nfi"].code in error.value.message_dict["items"][0]
    assert operation["shelter"].code not in error.value.message_dict["items"][0]
    _received(operation, "nfi")
    assert services.approve_list(draft(operation), approved_by=operation["manager"]).is_approved
