"""Receipts recorded offline while a distribution was open, synced after a manager closed it."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from distributions.models import Distribution, SyncRefusal
from distributions.selectors import distribution_progress
from distributions.services import record_receipt, record_receipts_bulk
from tests import factories


def _open_today(mopti) -> Distribution:
    distribution = mopti["distribution"]
    today = timezone.localdate()
    distribution.planned_start, distribution.planned_end = today - datetime.timedelta(days=3), today
    distribution.save()
    return distribution


def _close(distribution: Distribution, status=Distribution.Status.COMPLETED) -> None:
    distribution.status = status
    distribution.save(update_fields=["status"])
    distribution.refresh_from_db()


def _record(mopti, household, received_at, kit="shelter"):
    return record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti[kit],
        verification_method="thumbprint",
        received_at=received_at,
    )


def test_closing_stamps_closed_at_and_reopening_clears_it(mopti):
    distribution = _open_today(mopti)
    assert distribution.closed_at is None
    _close(distribution)
    assert distribution.closed_at is not None
    distribution.status = Distribution.Status.ONGOING
    distribution.save()
    assert distribution.closed_at is None


def test_a_receipt_received_while_open_is_accepted_after_closing_as_a_late_sync(mopti):
    distribution = _open_today(mopti)
    household = factories.household(mopti["site"])
    received = timezone.now() - datetime.timedelta(hours=1)
    _close(distribution)
    receipt = _record(mopti, household, received).receipt
    assert receipt.late_sync is True
    assert receipt.received_at == received
    given = {row["kit_type"].code: row["given"] for row in distribution_progress(distribution)}
    assert given["ESK"] == 1


def test_a_receipt_received_after_closing_or_outside_the_dates_is_refused(mopti):
    distribution = _open_today(mopti)
    household = factories.household(mopti["site"])
    _close(distribution)
    with pytest.raises(ValidationError) as refused:
        _record(mopti, household, timezone.now())
    assert "closed on" in refused.value.message_dict["distribution"][0]
    with pytest.raises(ValidationError):
        _record(mopti, household, timezone.now() - datetime.timedelta(days=10))


def test_a_cancelled_distribution_takes_no_late_sync(mopti):
    distribution = _open_today(mopti)
    received = timezone.now() - datetime.timedelta(hours=1)
    _close(distribution, Distribution.Status.CANCELLED)
    with pytest.raises(ValidationError):
        _record(mopti, factories.household(mopti["site"]), received)


def test_an_open_distribution_receipt_is_not_a_late_sync(mopti):
    _open_today(mopti)
    assert _record(mopti, factories.household(mopti["site"]), timezone.now()).receipt.late_sync is False


def test_bulk_accepts_late_syncs_and_keeps_each_refusal_for_the_distribution_page(mopti):
    distribution = _open_today(mopti)
    households = [factories.household(mopti["site"]) for _ in range(2)]
    received = timezone.now() - datetime.timedelta(minutes=30)
    _close(distribution)
    items = [
        {
            "distribution": distribution,
            "household": household,
            "kit_type": mopti["shelter"],
            "verification_method": "thumbprint",
            "client_uuid": uuid.uuid4(),
            "received_at": when,
        }
        for household, when in ((households[0], received), (households[1], timezone.now()))
    ]
    outcomes = record_receipts_bulk(recorded_by=mopti["officer"], items=items)
    assert outcomes[0].recorded.receipt.late_sync
    assert outcomes[1].error is not None
    refusal = SyncRefusal.objects.get()
    assert (refusal.client_uuid, refusal.household, refusal.distribution) == (
        items[1]["client_uuid"],
        households[1],
        distribution,
    )
    assert "closed on" in refusal.reason
    # The same sync sent again keeps one refusal.
    record_receipts_bulk(recorded_by=mopti["officer"], items=items[1:])
    assert SyncRefusal.objects.count() == 1


def test_a_distribution_created_closed_was_never_open_and_takes_no_late_sync(mopti):
    today = timezone.localdate()
    closed = factories.distribution(
        mopti["project"],
        mopti["site"],
        kits=[mopti["shelter"]],
        status=Distribution.Status.COMPLETED,
        planned_start=today,
        planned_end=today,
    )
    assert closed.closed_at is None
    with pytest.raises(ValidationError):
        record_receipt(
            recorded_by=mopti["officer"],
            distribution=closed,
            household=factories.household(mopti["site"]),
            kit_type=mopti["shelter"],
            verification_method="thumbprint",
            received_at=timezone.now() - datetime.timedelta(minutes=5),
        )
