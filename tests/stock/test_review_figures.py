"""Figures after every kind of movement (review of issue 20): the maintained balances equal a rebuild, counter
by counter, in both tables; a reconciled distribution stays as it was reconciled."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from distributions.plans import update_distribution
from distributions.reconciliation import explain, reconciliation
from stock.models import DistributionStock, MovementKind, StockBalance
from stock.rebuild import rebuild_balances
from tests import factories
from tests.stock.conftest import move

pytestmark = pytest.mark.django_db


def _tables() -> tuple[list, list]:
    balances = StockBalance.objects.order_by("warehouse", "project", "kit_type").values_list(
        "warehouse", "project", "kit_type", "received", "dispatched", "returned", "written_off", "issued",
        "adjusted", "on_hand",
    )  # fmt: skip
    sites = DistributionStock.objects.order_by("distribution", "kit_type").values_list(
        "distribution", "kit_type", "dispatched", "received_at_site", "returned", "damaged", "lost"
    )
    return list(balances), list(sites)


def test_every_kind_keeps_both_tables_equal_to_a_rebuild(store):
    at = {"distribution": store["distribution"]}
    move(store, MovementKind.DISPATCHED, 60, reference="WB-1", **at)
    move(store, MovementKind.DISPATCHED, 30, kit="nfi", reference="WB-2", **at)
    move(store, MovementKind.RECEIVED_AT_SITE, 58, **at)
    move(store, MovementKind.RETURNED, 5, **at)
    move(store, MovementKind.RETURNED, 2, kit="nfi", **at)
    move(store, MovementKind.DAMAGED, 2, reason="rain", **at)
    move(store, MovementKind.LOST, 1, reason="stolen on site", **at)
    move(store, MovementKind.DAMAGED, 3, reason="rats in the store")
    move(store, MovementKind.LOST, 1, kit="nfi", reason="not found at the count")
    move(store, MovementKind.ADJUSTED, -4, reason="count of 30 June")
    move(store, MovementKind.ADJUSTED, 7, kit="nfi", reason="count of 30 June: a pallet found")
    move(store, MovementKind.ISSUED, 10, organisation=factories.organisation("DGPC"))
    maintained = _tables()
    rebuild_balances()
    assert _tables() == maintained
    shelter = StockBalance.objects.get(kit_type=store["shelter"])
    assert shelter.on_hand == 450 - 60 + 5 - 3 - 4 - 10 == 378
    nfi = StockBalance.objects.get(kit_type=store["nfi"])
    assert nfi.on_hand == 640 - 30 + 2 - 1 + 7 == 618
    site = DistributionStock.objects.get(kit_type=store["shelter"])
    assert (site.dispatched, site.received_at_site, site.returned, site.damaged, site.lost) == (60, 58, 5, 2, 1)


def test_kits_returned_after_a_refused_completion_set_the_variance_right(store):
    distribution, officer = store["distribution"], store["officer"]
    move(store, MovementKind.DISPATCHED, 6, reference="WB-1", distribution=distribution)
    for _ in range(2):
        factories.served(store)
    with pytest.raises(ValidationError):
        update_distribution(distribution, updated_by=officer, status="completed")  # +4
    explain(distribution, store["shelter"], "Four kits still on the truck.", officer)
    move(store, MovementKind.RETURNED, 3, distribution=distribution)  # +1: the explanation was for +4
    (row,) = reconciliation(distribution)
    assert (row.variance, row.explained) == (1, False)
    with pytest.raises(ValidationError):
        update_distribution(distribution, updated_by=officer, status="completed")
    move(store, MovementKind.RETURNED, 1, distribution=distribution)
    update_distribution(distribution, updated_by=officer, status="completed")


def test_a_completed_distributions_explanation_stays_as_reconciled(client, store):
    """Before the review: the explanation page rewrote a completed distribution's explanation."""
    distribution, officer = store["distribution"], store["officer"]
    move(store, MovementKind.DISPATCHED, 3, reference="WB-1", distribution=distribution)
    explain(distribution, store["shelter"], "Three kits stolen from the truck, police report 12.", officer)
    update_distribution(distribution, updated_by=officer, status="completed")
    client.force_login(officer)
    url = reverse("distributions:explain-variance", args=[distribution.pk])
    answer = client.post(url, {"kit_type": "ESK", "explanation": "Never mind."})
    assert answer.status_code == 400
    assert answer.context["explanation_form"].errors["explanation"] == [
        "This distribution is completed and reconciled."
    ]
    (row,) = reconciliation(distribution)
    assert row.explanation == "Three kits stolen from the truck, police report 12."


def _handed_out_cell(client, user, project) -> str:
    client.force_login(user)
    page = client.get(f"/dashboard/projects/{project.pk}/").content.decode()
    row = page[page.index('<tr data-kit="ESK">') :].split("</tr>")[0]
    return [cell.split(">")[-1] for cell in row.split("</td>")[1:-1]][4]  # target, procured, in stock, dispatched


def test_the_pipeline_withholds_kits_handed_out_with_a_small_reach(client, store):
    """Before the review: the donor's dashboard withheld the project's kits achieved (two households) but its
    pipeline showed them, handed out: 2."""
    move(store, MovementKind.DISPATCHED, 5, reference="WB-1", distribution=store["distribution"])
    for _ in range(2):
        factories.served(store)
    donor = factories.user(Role.DONOR_VIEWER, projects=[store["project"]], username="donor")
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[store["project"]], username="manager")
    assert _handed_out_cell(client, donor, store["project"]) == "&lt;5"
    assert _handed_out_cell(client, manager, store["project"]) == "2"
    for _ in range(3):  # five households: no small count
        factories.served(store)
    assert _handed_out_cell(client, donor, store["project"]) == "5"


@pytest.mark.xfail(
    strict=True, reason="not fixed: a receipt voided (or synced late) after completion moves the variance"
)
def test_a_completed_distribution_keeps_no_unexplained_variance_after_a_void(store):
    from distributions.services import void_receipt

    distribution = store["distribution"]
    move(store, MovementKind.DISPATCHED, 1, reference="WB-1", distribution=distribution)
    receipt = factories.served(store)
    update_distribution(distribution, updated_by=store["officer"], status="completed")
    void_receipt(receipt, voided_by=store["officer"], reason="recorded twice")
    assert all(row.explained for row in reconciliation(distribution))


def test_the_report_pipeline_withholds_kits_handed_out_with_a_small_reach():
    """Before the review: the XLSX sheet and PDF section (projects/reports/pipeline.table) showed them."""
    from projects.reports import pipeline

    row = {"name": "Shelter", "name_fr": "", "name_ar": "", "target": 10, "procured": 10, "in_stock": 7}
    row |= {"dispatched": 3, "handed_out": 2, "damaged_or_lost": 0, "issued": 0}
    small = {"pipeline": [row], "cumulative": {"reach": {"households": 2}}}
    _header, rows, totals = pipeline.table(small)
    assert (rows[0][5], totals[5]) == ("<5", "<5")
    _header, rows, totals = pipeline.table({**small, "cumulative": {"reach": {"households": 5}}})
    assert (rows[0][5], totals[5]) == (2, 2)
