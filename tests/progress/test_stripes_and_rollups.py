"""Roll-up periods (weeks cut at month ends) and summary stripes: the readers' sums do not change."""

import datetime
import re

from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from distributions.models import SUMMARY_STRIPES, ReceiptRollup, ReceiptSummary
from distributions.progress.filters import ProgressFilter
from distributions.progress.periods import next_period_start, period_start, summary_parts
from distributions.services import record_receipt
from projects.progress import project_progress
from tests import factories
from tests.progress.conftest import at
from tests.progress.test_engine import assert_summaries_equal_a_rebuild

day = datetime.date


def test_a_roll_up_period_is_a_week_cut_at_month_ends():
    assert period_start(day(2024, 7, 31)) == day(2024, 7, 29)  # a Wednesday: its Monday
    assert period_start(day(2024, 8, 1)) == day(2024, 8, 1)  # a Thursday, but a new month
    assert period_start(day(2024, 8, 4)) == day(2024, 8, 1)
    assert period_start(day(2024, 8, 5)) == day(2024, 8, 5)
    assert next_period_start(day(2024, 7, 29)) == day(2024, 8, 1)
    assert next_period_start(day(2024, 8, 1)) == day(2024, 8, 5)
    assert next_period_start(day(2024, 12, 30)) == day(2025, 1, 1)


def test_a_period_reads_whole_roll_up_periods_and_at_most_six_edge_days_each_side(db):
    daily, rollup = ReceiptSummary.objects.all(), ReceiptRollup.objects.all()

    def ranges(start, end):
        found = []
        for part in summary_parts(daily, rollup, start, end):
            bounds = {c.lhs.target.name + c.lookup_name: c.rhs for c in part.query.where.children}
            found.append((part.model.__name__, bounds.get("daygte"), bounds.get("daylte")))
        return found

    assert ranges(day(2024, 7, 3), day(2024, 8, 20)) == [
        ("ReceiptRollup", day(2024, 7, 8), day(2024, 8, 18)),
        ("ReceiptSummary", day(2024, 7, 3), day(2024, 7, 7)),
        ("ReceiptSummary", day(2024, 8, 19), day(2024, 8, 20)),
    ]
    assert ranges(day(2024, 7, 1), day(2024, 7, 31)) == [("ReceiptRollup", day(2024, 7, 1), day(2024, 7, 31))]
    assert ranges(day(2024, 7, 2), day(2024, 7, 4)) == [("ReceiptSummary", day(2024, 7, 2), day(2024, 7, 4))]
    assert ranges(None, None) == [("ReceiptRollup", None, None)]


def test_officers_at_one_distribution_add_to_different_stripes_and_the_sums_hold(progress_fixture):
    fixture = progress_fixture
    site, distribution, nfi = fixture["site"], fixture["distribution"], fixture["nfi"]
    households = [factories.household(site, head_name=f"Busy {n}", phone=f"+223 72 00 00 {10 + n}") for n in range(4)]
    for household in households:
        record_receipt(
            recorded_by=fixture["officer"],
            distribution=distribution,
            household=household,
            kit_type=nfi,
            verification_method="signature",
            received_at=at("2024-07-20"),
        )
    rows = ReceiptSummary.objects.filter(distribution=distribution, kit_type=nfi, day=day(2024, 7, 20))
    assert set(rows.values_list("stripe", flat=True)) == {h.pk % SUMMARY_STRIPES for h in households}
    assert rows.aggregate(kits=Sum("kits"))["kits"] == 4
    assert_summaries_equal_a_rebuild()


def _tables_read(project, filters, bucket="week"):
    with CaptureQueriesContext(connection) as queries:
        project_progress(project, filters, bucket=bucket)
    summaries = ("summary", "rollup", "timeline", "total")
    return {
        table
        for query in queries.captured_queries
        for table in re.findall(r'"distributions_(\w+)"', query["sql"])
        if table.endswith(summaries)
    }


def test_with_no_period_the_dashboard_reads_no_table_that_grows_with_the_days(progress_fixture):
    project = progress_fixture["project"]
    area = progress_fixture["site"].admin2_id
    for narrowing in ({}, {"kit_type_id": progress_fixture["nfi"].pk}, {"kit_category": "nfi"}, {"area_id": area}):
        # Places, kits and targets from the whole-history totals; the timelines from the periods summed over sites.
        read = _tables_read(project, ProgressFilter(**narrowing))
        assert read == {"receipttotal", "reachtotal", "receipttimeline", "reachtimeline"}, narrowing
    # A site filtered: the timelines need the places, so they read the roll-ups (that site's rows only).
    read = _tables_read(project, ProgressFilter(site_id=progress_fixture["site"].pk))
    assert read == {"receipttotal", "reachtotal", "receiptrollup", "reachrollup"}


def test_a_period_with_no_site_reads_the_periods_summed_over_sites(progress_fixture):
    project = progress_fixture["project"]
    read = _tables_read(project, ProgressFilter(period_start=day(2024, 7, 1), period_end=day(2024, 7, 31)))
    assert read == {"receipttimeline", "reachtimeline", "receiptrollup", "reachrollup"}
    # Edges that are not whole periods: the per-day tables for those days.
    read = _tables_read(project, ProgressFilter(period_start=day(2024, 7, 3), period_end=day(2024, 8, 20)))
    edges = {"receiptsummary", "reachsummary"}
    assert read == {"receipttimeline", "reachtimeline", "receiptrollup", "reachrollup", *edges}
