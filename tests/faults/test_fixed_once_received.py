"""Issue 12: a distribution with receipts keeps its project and site; a receipt is never moved."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from distributions.models import Distribution, Receipt, ReceiptSummary
from distributions.services import void_receipt
from tests import factories
from tests.api.conftest import client_for


@pytest.fixture
def received(mopti):
    receipt = factories.served(mopti)
    other_project = factories.project("IRQ-TEST")
    other_site = factories.site("CHA", admin_area=factories.area("IQ01", "Duhok"), name="Chamishku")
    factories.distribution(other_project, other_site, kits=[mopti["shelter"]])  # the site is in the manager's scope
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"], other_project], username="mgr")
    return {**mopti, "receipt": receipt, "other_project": other_project, "other_site": other_site, "manager": manager}


@pytest.mark.parametrize("change", [{"project": "IRQ-TEST"}, {"site": "CHA"}, {"project": "IRQ-TEST", "site": "CHA"}])
def test_moving_a_distribution_with_receipts_is_refused_naming_the_field(received, change):
    api = client_for(received["manager"])
    distribution = received["distribution"]
    answer = api.patch(f"/api/v1/distributions/{distribution.pk}/", change, format="json")
    assert answer.status_code == 400, answer.content
    assert set(answer.json()["errors"]) == set(change), answer.json()["errors"]
    distribution.refresh_from_db()
    assert (distribution.project_id, distribution.site_id) == (received["project"].pk, received["site"].pk)
    # Nothing orphaned: the receipt can still be voided, its summary row is where it was.
    void_receipt(received["receipt"], voided_by=received["officer"], reason="test")
    assert ReceiptSummary.objects.filter(distribution=distribution, project=received["project"]).exists()


def test_other_fields_of_a_distribution_with_receipts_still_change(received):
    api = client_for(received["manager"])
    distribution = received["distribution"]
    answer = api.patch(
        f"/api/v1/distributions/{distribution.pk}/",
        {"name": "Renamed", "project": received["project"].code, "site": received["site"].code},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["name"] == "Renamed"


def test_a_distribution_without_receipts_may_still_move(received):
    empty = factories.distribution(received["project"], received["site"], kits=[received["shelter"]])
    api = client_for(received["manager"])
    answer = api.patch(f"/api/v1/distributions/{empty.pk}/", {"site": "CHA"}, format="json")
    assert answer.status_code == 200, answer.content


def test_the_database_refuses_moving_a_distribution_or_a_receipt_behind_the_services(received):
    distribution, receipt = received["distribution"], received["receipt"]
    with pytest.raises(IntegrityError, match="distribution_fixed_once_received"), transaction.atomic():
        Distribution.objects.filter(pk=distribution.pk).update(project=received["other_project"])
    with pytest.raises(IntegrityError, match="distribution_fixed_once_received"), transaction.atomic():
        Distribution.objects.filter(pk=distribution.pk).update(site=received["other_site"])
    other_household = factories.household(received["site"])
    for change in ({"household": other_household}, {"kit_type": received["nfi"]}, {"quantity": 2}):
        with pytest.raises(IntegrityError, match="receipt_fixed"), transaction.atomic():
            Receipt.objects.filter(pk=receipt.pk).update(**change)
    with pytest.raises(IntegrityError, match="kittype_category_fixed_once_received"), transaction.atomic():
        type(received["shelter"]).objects.filter(pk=received["shelter"].pk).update(category="nfi")
    # Voiding (the one edit of a receipt) still works.
    void_receipt(receipt, voided_by=received["officer"], reason="wrong household")


def test_the_admin_shows_project_and_site_read_only_once_received(received, client):
    admin = factories.user(Role.ADMINISTRATOR, username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/admin/distributions/distribution/{received['distribution'].pk}/change/")
    assert page.status_code == 200
    assert b'name="project"' not in page.content
    assert b'name="site"' not in page.content
