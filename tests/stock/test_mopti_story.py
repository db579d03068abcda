"""Done when (issue 20): the demo's Mopti stock story end to end, every figure of the reconciliations and the
pipeline checked by hand against demo/stock.py's story and the receipts of demo/data.py's plan."""

import pytest

from accounts.models import User
from demo.loader import load_demo
from distributions.models import Distribution
from distributions.reconciliation import reconciliation
from projects.models import Project
from projects.pipeline import project_pipeline
from stock.models import DistributionStock, StockBalance, Warehouse
from stock.rebuild import rebuild_balances
from stock.selectors import stock_on_hand

pytestmark = pytest.mark.django_db

# site -> kit -> (dispatched, received at site, handed out, returned, damaged, lost, variance, explained)
RECONCILED = {
    "Walirdé": {"ESK-ML": (42, 42, 40, 1, 1, 0, 0, True), "NFI-ML": (31, 31, 30, 1, 0, 0, 0, True)},
    "Takouti": {"ESK-ML": (31, 31, 30, 1, 0, 0, 0, True), "NFI-ML": (21, 21, 20, 0, 1, 0, 0, True)},
    "Sarema": {"ESK-ML": (15, 15, 15, 0, 0, 0, 0, True), "NFI-ML": (14, 14, 13, 1, 0, 0, 0, True)},
    # One shelter kit missing at Tombouctou Coura's closing count: explained, so the distribution completes.
    "Tombouctou Coura": {"ESK-ML": (16, 16, 15, 0, 0, 0, 1, True), "NFI-ML": (12, 12, 12, 0, 0, 0, 0, True)},
}


@pytest.fixture
def demo():
    load_demo()
    return Project.objects.get(code="MLI-JPN-2024-SNFI")


def test_each_first_round_distribution_reconciles_as_counted(demo):
    for site, kits in RECONCILED.items():
        distribution = Distribution.objects.get(project=demo, name=f"Mopti urban, July 2024: {site}")
        assert distribution.status == Distribution.Status.COMPLETED
        rows = {row.kit_type.code: row for row in reconciliation(distribution)}
        assert set(rows) == set(kits), site
        for code, expected in kits.items():
            row = rows[code]
            figures = (
                row.dispatched,
                row.received_at_site,
                row.handed_out,
                row.returned,
                row.damaged,
                row.lost,
                row.variance,
                row.explained,
            )
            assert figures == expected, (site, code)
    # The arithmetic, written out: 42+31+15+16 = 104 shelter kits dispatched = 100 handed out + 2 returned
    # + 1 damaged + 1 missing; 31+21+14+12 = 78 NFI kits = 75 handed out + 2 returned + 1 damaged.
    totals = {code: [0] * 7 for code in ("ESK-ML", "NFI-ML")}
    for kits in RECONCILED.values():
        for code, figures in kits.items():
            totals[code] = [a + b for a, b in zip(totals[code], figures[:7], strict=True)]
    assert totals["ESK-ML"] == [104, 104, 100, 2, 1, 0, 1]
    assert totals["NFI-ML"] == [78, 78, 75, 2, 1, 0, 0]


def test_the_second_round_has_no_stock_tracked(demo):
    for distribution in Distribution.objects.filter(project=demo, name__startswith="Mopti urban, round 2"):
        assert reconciliation(distribution) == []


def test_the_pipeline_and_the_warehouse(demo):
    pipeline = {row.code: row for row in project_pipeline(demo)}
    shelter, nfi = pipeline["ESK-ML"], pipeline["NFI-ML"]
    # Shelter: 450 received; 104 dispatched, 2 back: 102 out; 450 - 104 + 2 = 348 in stock; 100 handed out.
    assert (shelter.target, shelter.procured, shelter.in_stock, shelter.dispatched) == (450, 450, 348, 102)
    assert (shelter.handed_out, shelter.damaged_or_lost, shelter.issued) == (100, 1, 0)
    assert shelter.handed_out_share == pytest.approx(100 / 450)
    # NFI: 640 received; 78 dispatched, 2 back: 76 out; 640 - 78 + 2 = 564 in stock; 75 handed out.
    assert (nfi.target, nfi.procured, nfi.in_stock, nfi.dispatched) == (640, 640, 564, 76)
    assert (nfi.handed_out, nfi.damaged_or_lost, nfi.issued) == (75, 1, 0)
    warehouse = Warehouse.objects.get(code="ML-MOP-WH1")
    on_hand = {row["kit_type_id"]: row["on_hand"] for row in stock_on_hand([warehouse.pk])}
    assert on_hand == {shelter.kit_type_id: 348, nfi.kit_type_id: 564}


def test_the_maintained_balances_equal_a_rebuild_and_loading_again_changes_nothing(demo):
    def snapshot():
        balances = set(
            StockBalance.objects.values_list(
                "warehouse_id", "project_id", "kit_type_id", "received", "dispatched", "returned",
                "written_off", "issued", "adjusted", "on_hand",
            )
        )  # fmt: skip
        sites = set(
            DistributionStock.objects.values_list(
                "distribution_id", "kit_type_id", "dispatched", "received_at_site", "returned", "damaged", "lost"
            )
        )
        return balances, sites

    maintained = snapshot()
    assert load_demo() == 0
    assert snapshot() == maintained
    rebuild_balances()
    assert snapshot() == maintained


def test_the_dashboard_shows_the_pipeline_to_the_manager_and_the_donor(demo, client):
    for username in ("manager", "donor"):
        client.force_login(User.objects.get(username=username))
        page = client.get(f"/dashboard/projects/{demo.pk}/").content.decode()
        shelter = page[page.index('<tr data-kit="ESK-ML">') :].split("</tr>")[0]
        cells = [cell.split(">")[-1] for cell in shelter.split("</td>")[1:-1]]
        assert cells == ["450", "450", "348", "102", "100", "1", "0"], username
