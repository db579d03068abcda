"""The progress engine against a hand-computed fixture (tests/progress/conftest.py)."""

import datetime
from decimal import Decimal

from django.db.models import Sum

from distributions.models import HouseholdReach, ReachSummary, ReceiptSummary
from distributions.progress.filters import ProgressFilter
from distributions.progress.periods import ROLLUPS
from distributions.progress.rebuild import rebuild_summaries
from distributions.progress.scopes import FIGURE_FIELDS, REACH_SUM_FIELDS
from distributions.services import record_receipt, void_receipt
from projects.progress import project_progress
from projects.targets import headline_progress
from tests import factories
from tests.progress.conftest import at

AS_OF = datetime.date(2024, 8, 15)


def kits_of(progress) -> dict[str, int]:
    return {row["kit_type__code"]: row["kits"] for row in progress.kits_by_type}


def test_whole_project_counts_each_household_once_and_ignores_voided(progress_fixture):
    progress = project_progress(progress_fixture["project"], as_of=AS_OF)
    assert kits_of(progress) == {"ESK": 3, "NFI": 2}
    reach = progress.reach
    assert (reach["households"], reach["individuals"]) == (4, 18)  # A+B+C+E; C frozen at 3, D voided
    assert {name: reach[name] for name in ("females_18_59", "females_6_17", "females_0_5", "females_60_plus")} == {
        "females_18_59": 3,
        "females_6_17": 4,
        "females_0_5": 2,
        "females_60_plus": 1,
    }
    assert {name: reach[name] for name in ("males_18_59", "males_6_17", "males_0_5", "males_60_plus")} == {
        "males_18_59": 1,
        "males_6_17": 3,
        "males_0_5": 3,
        "males_60_plus": 1,
    }
    assert (reach["woman_headed"], reach["person_with_disability"], reach["older_person_headed"]) == (2, 1, 1)
    by_status = {
        row["displacement_status"]: (row["households"], row["individuals"]) for row in progress.reach_by_displacement
    }
    assert by_status == {"idp": (2, 10), "host_community": (1, 3), "returnee": (1, 5)}


def test_regions_and_sites_add_up(progress_fixture):
    progress = project_progress(progress_fixture["project"], as_of=AS_OF)
    regions = {row["admin1__pcode"]: (row["kits"], row["households"], row["individuals"]) for row in progress.by_region}
    assert regions == {"ML05": (4, 3, 13), "ML04": (1, 1, 5)}
    sites = {row["site__name"]: row["kits_by_type"] for row in progress.by_site}
    assert sites == {"Walirdé": {"ESK": 2, "NFI": 2}, "Ségou centre": {"ESK": 1}}


def test_period_boundary_counts_by_local_day(progress_fixture):
    july = project_progress(
        progress_fixture["project"], ProgressFilter(datetime.date(2024, 7, 1), datetime.date(2024, 7, 31))
    )
    assert kits_of(july) == {"ESK": 3, "NFI": 1}  # B at 23:59 on 31 July counts, C at 00:00 on 1 August does not
    assert (july.reach["households"], july.reach["individuals"]) == (3, 15)
    august = project_progress(
        progress_fixture["project"], ProgressFilter(datetime.date(2024, 8, 1), datetime.date(2024, 8, 31))
    )
    assert kits_of(august) == {"NFI": 1}
    assert (august.reach["households"], august.reach["individuals"]) == (1, 3)  # A's NFI in July: not new


def test_area_site_and_kit_filters(progress_fixture):
    project = progress_fixture["project"]
    segou = project_progress(project, ProgressFilter(area_id=progress_fixture["segou_site"].admin1_id))
    assert kits_of(segou) == {"ESK": 1}
    assert (segou.reach["households"], segou.reach["individuals"]) == (1, 5)
    walirde = project_progress(project, ProgressFilter(site_id=progress_fixture["site"].pk))
    assert (walirde.reach["households"], walirde.reach["individuals"]) == (3, 13)
    nfi = project_progress(project, ProgressFilter(kit_category="nfi"))
    assert kits_of(nfi) == {"NFI": 2}
    assert (nfi.reach["households"], nfi.reach["individuals"]) == (2, 7)


def test_targets_expected_by_now_and_on_track(progress_fixture):
    progress = project_progress(progress_fixture["project"], as_of=AS_OF)
    rows = {(t.indicator, t.label): t for t in progress.targets}
    shelter = rows[("kits_distributed", "Esk")]
    # Periods: 6 in July-September (46 of 92 days elapsed on 15 August) and 4 later: 3 expected.
    assert (shelter.achieved, shelter.expected, shelter.on_track) == (3, 3, True)
    assert shelter.percent == Decimal("30.0")
    nfi = rows[("kits_distributed", "Nfi")]
    # No periods: linear over the project's 365 days, 46 elapsed: 20 * 46 / 365 = 2.5 -> 3.
    assert (nfi.achieved, nfi.expected, nfi.on_track) == (2, 3, False)
    households = rows[("households_reached", "Households reached")]
    assert (households.achieved, households.target) == (4, 8)
    individuals_nfi = next(t for t in progress.targets if t.indicator == "individuals_reached")
    assert (individuals_nfi.achieved, individuals_nfi.expected) == (7, 5)


def test_timeline_is_cumulative_by_week_and_month(progress_fixture):
    progress = project_progress(progress_fixture["project"], as_of=AS_OF)
    assert [(row["bucket"], row["kits"], row["cumulative_kits"]) for row in progress.kits_over_time] == [
        (datetime.date(2024, 7, 1), 3, 3),
        (datetime.date(2024, 7, 29), 2, 5),
    ]
    assert [(row["bucket"], row["cumulative_households"]) for row in progress.reach_over_time] == [
        (datetime.date(2024, 7, 1), 2),
        (datetime.date(2024, 7, 29), 4),
    ]
    monthly = project_progress(progress_fixture["project"], bucket="month", as_of=AS_OF)
    assert [(row["bucket"], row["cumulative_individuals"]) for row in monthly.reach_over_time] == [
        (datetime.date(2024, 7, 1), 15),
        (datetime.date(2024, 8, 1), 18),
    ]


def test_a_receipt_shows_at_once_and_a_void_removes_it(progress_fixture):
    project, officer = progress_fixture["project"], progress_fixture["officer"]
    receipt = record_receipt(
        recorded_by=officer,
        distribution=progress_fixture["distribution"],
        household=progress_fixture["households"]["B"],
        kit_type=progress_fixture["nfi"],
        verification_method="signature",
        received_at=at("2024-07-20"),
    ).receipt
    progress = project_progress(project)
    assert kits_of(progress)["NFI"] == 3
    assert progress.reach["households"] == 4  # B already reached with a shelter kit
    void_receipt(receipt, voided_by=officer, reason="test")
    assert kits_of(project_progress(project))["NFI"] == 2


def test_voiding_a_first_receipt_moves_reach_to_the_next_one(progress_fixture):
    officer, households = progress_fixture["officer"], progress_fixture["households"]
    second = factories.distribution(
        progress_fixture["project"], progress_fixture["site"], kits=[progress_fixture["shelter"]]
    )
    record_receipt(
        recorded_by=officer,
        distribution=second,
        household=households["A"],
        kit_type=progress_fixture["shelter"],
        verification_method="signature",
        received_at=at("2024-09-10"),
    )
    first = households["A"].receipts.get(
        kit_type=progress_fixture["shelter"], distribution=progress_fixture["distribution"]
    )
    void_receipt(first, voided_by=officer, reason="test")
    reach = HouseholdReach.objects.get(household=households["A"], kit_type=progress_fixture["shelter"])
    assert reach.received_at == at("2024-09-10")
    assert_summaries_equal_a_rebuild()


def _snapshot():
    summary = {
        tuple(row[:-2]): tuple(row[-2:])
        for row in ReceiptSummary.objects.values_list(
            "day",
            "project",
            "distribution",
            "site",
            "admin1",
            "admin2",
            "kit_type",
            "kit_category",
            "displacement_status",
        )
        .annotate(receipts=Sum("receipts"), kits=Sum("kits"))
        .filter(receipts__gt=0)
        .order_by()
    }
    reach = set(
        HouseholdReach.objects.values_list(
            "project",
            "household",
            "kit_type",
            "kit_category",
            "first_receipt",
            "received_at",
            "site",
            "admin1",
            "admin2",
            "is_household_first",
            *FIGURE_FIELDS,
        )
    )
    reach_summary = {
        tuple(row[:9]): tuple(row[9:])
        for row in ReachSummary.objects.values_list(
            "day",
            "project",
            "scope",
            "kit_type",
            "kit_category",
            "site",
            "admin1",
            "admin2",
            "displacement_status",
        )
        .annotate(*(Sum(name) for name in REACH_SUM_FIELDS))
        .order_by()
        if any(row[9:])
    }
    return summary, reach, reach_summary, _rollups()


def _rollups() -> dict:
    """Each roll-up's sums per key (stripes added up), keys with any figure only."""
    rollups = {}
    for rollup in ROLLUPS:
        key, sums = rollup.key_columns, rollup.sums
        rows = rollup.model.objects.values_list(*key).annotate(*(Sum(name) for name in sums)).order_by()
        rollups[rollup.model] = {tuple(row[: len(key)]): tuple(row[len(key) :]) for row in rows if any(row[len(key) :])}
    return rollups


def assert_summaries_equal_a_rebuild():
    maintained = _snapshot()
    rebuild_summaries()
    assert _snapshot() == maintained


def test_maintained_summaries_equal_a_rebuild_from_receipts(progress_fixture):
    assert ReceiptSummary.objects.exists() and HouseholdReach.objects.exists()
    assert_summaries_equal_a_rebuild()


def test_dashboard_figures_take_constant_queries(progress_fixture, django_assert_num_queries):
    project = progress_fixture["project"]
    # Kits, reach, 2 timelines, targets and their periods, one narrowed reach target, and the names of
    # the areas, sites and kit types counted (looked up by id after grouping, once for kits and reach).
    with django_assert_num_queries(10) as before:
        project_progress(project, as_of=AS_OF)
    for number in range(5):
        household = factories.household(
            progress_fixture["segou_site"], head_name=f"Extra {number}", phone=f"+223 71 00 00 {10 + number}"
        )
        record_receipt(
            recorded_by=progress_fixture["officer"],
            distribution=progress_fixture["distribution"],
            household=household,
            kit_type=progress_fixture["nfi"],
            verification_method="signature",
            received_at=at(f"2024-07-{10 + number}"),
        )
    with django_assert_num_queries(len(before.captured_queries)):
        project_progress(project, as_of=AS_OF)


def test_headline_for_a_list_of_projects(progress_fixture, django_assert_num_queries):
    other = factories.project("OTHER")
    factories.target(other, value=5, kit_type=progress_fixture["shelter"])
    from projects.models import Project

    with django_assert_num_queries(4):
        headline = headline_progress(Project.objects.filter(pk__in=[progress_fixture["project"].pk, other.pk]))
    mopti = headline[progress_fixture["project"].pk]
    assert (mopti["kits"], mopti["kits_target"], mopti["households"]) == (5, 30, 4)
    assert headline[other.pk] == {
        "kits": 0,
        "kits_target": 5,
        "households": 0,
        "individuals": 0,
        "percent": Decimal(0),
        "activities": [],  # no activity indicator (issue 21)
    }
