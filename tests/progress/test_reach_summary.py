"""Reach read from ReachSummary is exactly the reach the window over HouseholdReach yields.

The window path (each household's first reach row within the filter's kits and area) is the
definition; the per-day summary must give the same figures under every filter it serves, after
records, late (offline) receipts for an earlier moment, voids and a household that moved.
"""

import dataclasses
import datetime

from distributions.models import ReachSummary
from distributions.progress import queries as progress
from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import reach_by
from distributions.services import record_receipt, void_receipt
from projects.progress import project_progress
from tests import factories
from tests.progress.conftest import at
from tests.progress.test_engine import assert_summaries_equal_a_rebuild

AS_OF = datetime.date(2024, 8, 15)


def filters_to_check(fixture) -> list[ProgressFilter]:
    walirde, segou = fixture["site"], fixture["segou_site"]
    return [
        ProgressFilter(),
        ProgressFilter(datetime.date(2024, 7, 1), datetime.date(2024, 7, 31)),
        ProgressFilter(datetime.date(2024, 8, 1)),
        ProgressFilter(area_id=walirde.admin1_id),
        ProgressFilter(area_id=walirde.admin2_id),
        ProgressFilter(area_id=segou.admin1_id, period_start=datetime.date(2024, 8, 1)),
        ProgressFilter(site_id=segou.pk),
        ProgressFilter(site_id=walirde.pk, period_end=datetime.date(2024, 7, 31)),
        ProgressFilter(kit_category="nfi"),
        ProgressFilter(kit_category="emergency_shelter", period_start=datetime.date(2024, 8, 1)),
        ProgressFilter(kit_type_id=fixture["shelter"].pk),
        ProgressFilter(kit_type_id=fixture["shelter"].pk, area_id=segou.admin1_id),
        ProgressFilter(kit_type_id=fixture["nfi"].pk, kit_category="emergency_shelter"),
        ProgressFilter(kit_type_id=fixture["hygiene"].pk),
        ProgressFilter(kit_category="hygiene", area_id=fixture["segou_site"].admin1_id),
        ProgressFilter(kit_category="nfi", site_id=walirde.pk),
    ]


def without_summary(monkeypatch):
    monkeypatch.setattr(progress, "_reach_summary_rows", lambda *args, **kwargs: None)


def figures(project, filters):
    result = dataclasses.asdict(project_progress(project, filters, as_of=AS_OF))
    del result["generated_at"]
    per_kit = reach_by([project.pk], filters, "site_id", "kit_type_id", per=("kit_type_id",))
    return result, per_kit


def test_summary_reach_equals_the_window_under_every_filter(moved_household, monkeypatch):
    project = moved_household["project"]
    from_summary = {filters: figures(project, filters) for filters in filters_to_check(moved_household)}
    without_summary(monkeypatch)
    for filters, expected in from_summary.items():
        assert figures(project, filters) == expected, filters


def test_a_household_that_moved_counts_once_overall_and_in_each_area_it_was_reached(moved_household):
    project, segou = moved_household["project"], moved_household["segou_site"]
    overall = project_progress(project, as_of=AS_OF).reach
    assert overall["households"] == 4
    in_segou = project_progress(project, ProgressFilter(area_id=segou.admin1_id), as_of=AS_OF)
    # E, and A at its first receipt in Ségou (20 August), not at its first receipt overall (July, in Mopti).
    assert in_segou.reach["households"] == 2
    assert [(row["bucket"], row["households"]) for row in in_segou.reach_over_time] == [
        (datetime.date(2024, 7, 1), 1),
        (datetime.date(2024, 8, 19), 1),
    ]


def test_maintained_reach_summary_equals_a_rebuild_after_moves_and_voids(moved_household):
    officer, households = moved_household["officer"], moved_household["households"]
    assert ReachSummary.objects.filter(scope=ReachSummary.Scope.ADMIN1).exists()
    assert_summaries_equal_a_rebuild()
    late_nfi = households["E"].receipts.get(kit_type=moved_household["nfi"])
    void_receipt(late_nfi, voided_by=officer, reason="Synced twice")
    first_shelter_of_a = households["A"].receipts.get(received_at=at("2024-07-01"))  # A's first overall
    void_receipt(first_shelter_of_a, voided_by=officer, reason="Wrong household")
    assert_summaries_equal_a_rebuild()


def test_a_receipt_recorded_now_shows_in_period_area_and_site_reach_and_a_void_removes_it(progress_fixture):
    project, officer, segou = progress_fixture["project"], progress_fixture["officer"], progress_fixture["segou_site"]
    newcomer = factories.household(segou, head_name="Fatoumata Diallo", phone="+223 70 66 66 66")
    august = ProgressFilter(datetime.date(2024, 8, 1), datetime.date(2024, 8, 31), area_id=segou.admin1_id)
    before = project_progress(project, august).reach["households"]
    receipt = record_receipt(
        recorded_by=officer,
        distribution=factories.distribution(project, segou, kits=[progress_fixture["shelter"]]),
        household=newcomer,
        kit_type=progress_fixture["shelter"],
        verification_method="signature",
        received_at=at("2024-08-10"),
    ).receipt
    assert project_progress(project, august).reach["households"] == before + 1
    assert project_progress(project, ProgressFilter(site_id=segou.pk)).reach["households"] == 2
    void_receipt(receipt, voided_by=officer, reason="test")
    assert project_progress(project, august).reach["households"] == before
    assert project_progress(project, ProgressFilter(site_id=segou.pk)).reach["households"] == 1
