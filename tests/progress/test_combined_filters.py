"""Every combination of the dashboard's filters is answered from the maintained summaries, exactly.

Period × place (none, an admin 1 or admin 2 area, a site, an area with a site) × kit (none, a kit
type, a category): the figures read from ReachSummary equal those of the window over each
household's first receipt (the definition, distributions/progress/queries.py `_first_receipts`),
equal a hand count, and no query reads the per-household table (its cost would grow with the
households of the area).
"""

import datetime
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext

from distributions.models import HouseholdReach
from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import reach_by, reach_totals
from projects.progress import project_progress
from tests.progress.test_engine import assert_summaries_equal_a_rebuild
from tests.progress.test_reach_summary import AS_OF, figures, without_summary

PERIODS = [
    {},
    {"period_start": datetime.date(2024, 7, 1), "period_end": datetime.date(2024, 7, 31)},
    {"period_start": datetime.date(2024, 8, 1)},
    {"period_end": datetime.date(2024, 7, 4)},
    {"period_start": datetime.date(2024, 7, 2), "period_end": datetime.date(2024, 7, 2)},
    # Edges inside roll-up periods (weeks cut at month ends): a Wednesday to a Tuesday, and across months.
    {"period_start": datetime.date(2024, 7, 3), "period_end": datetime.date(2024, 8, 20)},
    {"period_start": datetime.date(2024, 6, 28), "period_end": datetime.date(2024, 8, 1)},
]


def every_combination(fixture) -> list[ProgressFilter]:
    walirde, segou = fixture["site"], fixture["segou_site"]
    places = [
        {},
        {"area_id": walirde.admin1_id},
        {"area_id": walirde.admin2_id},
        {"area_id": segou.admin1_id},
        {"site_id": walirde.pk},
        {"site_id": segou.pk},
        {"area_id": walirde.admin1_id, "site_id": walirde.pk},
        {"area_id": segou.admin1_id, "site_id": walirde.pk},  # a site outside the area: nobody
    ]
    kits = [
        {},
        {"kit_type_id": fixture["shelter"].pk},
        {"kit_type_id": fixture["nfi"].pk},
        {"kit_type_id": fixture["hygiene"].pk},
        {"kit_category": "emergency_shelter"},
        {"kit_category": "nfi"},
        {"kit_category": "hygiene"},
        {"kit_type_id": fixture["nfi"].pk, "kit_category": "nfi"},
    ]
    return [ProgressFilter(**period, **place, **kit) for period, place, kit in itertools.product(PERIODS, places, kits)]


def test_every_combination_from_the_summary_equals_the_window(moved_household, monkeypatch):
    project = moved_household["project"]
    combinations = every_combination(moved_household)
    from_summary = {filters: figures(project, filters) for filters in combinations}
    without_summary(monkeypatch)
    for filters in combinations:
        assert figures(project, filters) == from_summary[filters], filters


def test_no_combination_reads_the_per_household_table(moved_household):
    project = moved_household["project"]
    for filters in every_combination(moved_household):
        with CaptureQueriesContext(connection) as queries:
            project_progress(project, filters, as_of=AS_OF)
            reach_by([project.pk], filters, "site_id", "kit_type_id", per=("kit_type_id",))
            # The donor report's reach per site and kit type; a target narrowed to a category and an area.
            reach_by([project.pk], filters, kit_category="nfi", area_id=moved_household["site"].admin2_id)
        table = HouseholdReach._meta.db_table
        assert not [query["sql"] for query in queries.captured_queries if table in query["sql"]], filters


def test_combined_figures_equal_a_hand_count(moved_household):
    """Households reached (each once) and their people, counted by hand from the fixture's receipts.

    Walirdé (Mopti region): A shelter 1 Jul + NFI 2 Jul (4 people), B shelter 31 Jul (6), C NFI 1 Aug (3 on
    the receipt). Ségou: E shelter 5 Jul + NFI 4 Jul, synced late (5 people), A hygiene 20 Aug (4).
    """
    project, walirde, segou = moved_household["project"], moved_household["site"], moved_household["segou_site"]

    def reach(**filters):
        totals = reach_totals(reach_by([project.pk], ProgressFilter(**filters)))
        return totals["households"], totals["individuals"]

    assert reach(area_id=walirde.admin1_id, kit_category="emergency_shelter") == (2, 10)  # A, B
    assert reach(area_id=walirde.admin2_id, kit_category="nfi") == (2, 7)  # A, C
    assert reach(site_id=walirde.pk, kit_category="nfi", period_start=datetime.date(2024, 7, 3)) == (1, 3)  # C
    assert reach(area_id=segou.admin1_id, kit_category="nfi") == (1, 5)  # E
    assert reach(area_id=segou.admin1_id, kit_category="hygiene") == (1, 4)  # A, at its first receipt in Ségou
    assert reach(site_id=segou.pk, kit_category="emergency_shelter", period_end=datetime.date(2024, 7, 4)) == (0, 0)
    assert reach(site_id=segou.pk, kit_category="emergency_shelter", period_end=datetime.date(2024, 7, 5)) == (1, 5)
    assert reach(area_id=segou.admin1_id, site_id=walirde.pk, kit_category="nfi") == (0, 0)


def test_combined_scopes_stay_equal_to_a_rebuild_after_moves_and_voids(moved_household):
    from distributions.services import void_receipt

    officer, households = moved_household["officer"], moved_household["households"]
    assert_summaries_equal_a_rebuild()
    void_receipt(households["E"].receipts.get(kit_type=moved_household["nfi"]), voided_by=officer, reason="Twice")
    assert_summaries_equal_a_rebuild()
