import datetime

import pytest

from accounts.models import Role
from stock.models import MovementKind, Warehouse
from stock.services import record_movement
from tests import factories

DAY = datetime.date(2024, 6, 20)


@pytest.fixture
def store(mopti):
    """The `mopti` operation with a warehouse, its storekeeper, and 450 shelter and 640 NFI kits received."""
    storekeeper = factories.user(Role.STOREKEEPER, projects=[mopti["project"]], username="storekeeper")
    warehouse = Warehouse.objects.create(code="WH1", name="IOM warehouse, Mopti")
    warehouse.keepers.add(storekeeper)
    operation = {**mopti, "warehouse": warehouse, "storekeeper": storekeeper}
    move(operation, MovementKind.RECEIVED, 450, reference="PO-1")
    move(operation, MovementKind.RECEIVED, 640, kit="nfi", reference="PO-2")
    return operation


def move(operation: dict, kind: str, quantity: int, *, kit: str = "shelter", by=None, **fields):
    """Record a movement at the operation's warehouse for its project (stock.services.record_movement)."""
    return record_movement(
        recorded_by=by or operation["storekeeper"],
        kind=kind,
        warehouse=operation["warehouse"],
        project=operation["project"],
        kit_type=operation[kit],
        quantity=quantity,
        occurred_on=fields.pop("occurred_on", DAY),
        **fields,
    ).movement
