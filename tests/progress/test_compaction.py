"""The nightly compaction (distributions/progress/compact.py): one row per summary key, the same figures, and
no receipt lost by an officer recording while it runs."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import Count

from distributions.models import SUMMARY_STRIPES, ReceiptSummary
from distributions.progress.compact import compact_summaries, compact_table
from distributions.progress.periods import KIT_SUMS, SUMMARY_TABLES, key_columns
from distributions.services import record_receipt, void_receipt
from tests import factories
from tests.progress.conftest import at
from tests.progress.test_engine import _snapshot, assert_summaries_equal_a_rebuild


def _busy_day(mopti, count: int, first: int = 0):
    """`count` households each given an NFI kit at one distribution on one day: one summary row per stripe."""
    receipts = []
    for number in range(first, first + count):
        household = factories.household(mopti["site"], head_name=f"Busy {number}", phone=f"+223 72 00 {number:04d}")
        receipts.append(_record(mopti, household))
    return receipts


def _record(mopti, household):
    return record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti["nfi"],
        verification_method="signature",
        received_at=at("2024-07-20"),
    ).receipt


def _most_rows_of_a_key(model, sums) -> int:
    rows = model.objects.values(*key_columns(model, sums)).annotate(rows=Count("id")).order_by("-rows")
    return rows[0]["rows"] if rows else 0


def test_compaction_leaves_one_row_per_key_and_the_same_figures(mopti):
    receipts = _busy_day(mopti, SUMMARY_STRIPES + 2)
    assert _most_rows_of_a_key(ReceiptSummary, KIT_SUMS) == SUMMARY_STRIPES  # a row per stripe before
    maintained = _snapshot()

    deleted = compact_summaries()

    assert deleted[ReceiptSummary._meta.db_table] == SUMMARY_STRIPES - 1
    for model, sums in SUMMARY_TABLES:
        assert _most_rows_of_a_key(model, sums) <= 1, model.__name__
    assert _snapshot() == maintained
    assert compact_summaries() == dict.fromkeys(deleted, 0)  # idempotent

    # A void after compaction finds the merged row; everything voided, the key's rows go at the next run.
    void_receipt(receipts[0], voided_by=mopti["officer"], reason="Recorded twice")
    assert_summaries_equal_a_rebuild()
    for receipt in receipts[1:]:
        void_receipt(receipt, voided_by=mopti["officer"], reason="Wrong distribution")
    compact_summaries()
    assert not ReceiptSummary.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_receipt_recorded_while_compaction_deletes_its_row_is_still_counted(mopti):
    _busy_day(mopti, SUMMARY_STRIPES)
    keeper = ReceiptSummary.objects.order_by("id").first()
    # An officer's next household, on a stripe whose row the compaction merges into the keeper and deletes.
    number = SUMMARY_STRIPES
    while True:
        household = factories.household(mopti["site"], head_name=f"Late {number}", phone=f"+223 73 00 {number:04d}")
        if household.pk % SUMMARY_STRIPES != keeper.stripe:
            break
        number += 1
    recorded = threading.Event()

    def officer() -> None:
        try:
            _record(mopti, household)
            recorded.set()
        finally:
            connection.close()

    with transaction.atomic():
        assert compact_table(ReceiptSummary, KIT_SUMS) == SUMMARY_STRIPES - 1
        writer = threading.Thread(target=officer)
        writer.start()
        time.sleep(1.0)
        # The officer's statement found its stripe's row and waits on it: the compaction has deleted it.
        assert not recorded.is_set()
    writer.join(timeout=30)
    assert recorded.is_set()

    assert sum(ReceiptSummary.objects.values_list("receipts", flat=True)) == SUMMARY_STRIPES + 1
    assert_summaries_equal_a_rebuild()
