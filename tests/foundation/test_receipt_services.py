import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from beneficiaries.services import update_household
from distributions.models import DistributionItem, Receipt
from distributions.selectors import distribution_progress
from distributions.services import ClientUuidConflict, DuplicateReceipt, record_receipt, void_receipt
from tests import factories


def record(mopti, household, kit="shelter", **kwargs):
    return record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti[kit],
        verification_method=kwargs.pop("verification_method", "thumbprint"),
        **kwargs,
    )


@pytest.fixture
def household(mopti):
    return factories.household(mopti["site"])


def test_recording_freezes_the_household_figures(mopti, household):
    receipt = record(mopti, household).receipt
    update_household(household, updated_by=mopti["officer"], males_0_5=3, displacement_status="returnee")
    receipt.refresh_from_db()
    assert receipt.household_size == 4
    assert receipt.displacement_status == "idp"
    assert receipt.site == mopti["site"]
    assert receipt.admin2.pcode == "ML0506"
    assert receipt.admin1.pcode == "ML05"


def test_a_second_receipt_of_the_same_kit_is_refused_naming_when_and_by_whom(mopti, household):
    record(mopti, household)
    with pytest.raises(DuplicateReceipt) as refused:
        record(mopti, household)
    assert "Hamadoun Dicko" in str(refused.value)
    assert Receipt.objects.count() == 1


def test_a_retried_submission_is_stored_once(mopti, household):
    client_uuid = uuid.uuid4()
    first = record(mopti, household, client_uuid=client_uuid)
    again = record(mopti, household, client_uuid=client_uuid)
    assert first.created and not again.created
    assert again.receipt.pk == first.receipt.pk


def test_one_client_uuid_for_two_different_receipts_is_a_conflict(mopti, household):
    client_uuid = uuid.uuid4()
    record(mopti, household, client_uuid=client_uuid)
    with pytest.raises(ClientUuidConflict):
        record(mopti, household, kit="nfi", client_uuid=client_uuid)


def test_quantity_above_the_entitlement_is_refused(mopti, household):
    with pytest.raises(ValidationError) as refused:
        record(mopti, household, quantity=2)
    assert "quantity" in refused.value.message_dict


def test_per_member_entitlement_with_a_maximum(mopti):
    item = DistributionItem.objects.get(distribution=mopti["distribution"], kit_type=mopti["nfi"])
    item.entitlement_basis, item.entitlement_quantity, item.entitlement_maximum = "per_member", 1, 6
    item.save()
    small = factories.household(mopti["site"])  # four members
    large = factories.household(mopti["site"], males_6_17=5)  # nine members
    assert record(mopti, small, kit="nfi").receipt.quantity == 4
    assert record(mopti, large, kit="nfi").receipt.quantity == 6
    with pytest.raises(ValidationError):
        record(mopti, factories.household(mopti["site"]), kit="nfi", quantity=5)


def test_a_closed_distribution_takes_no_receipts(mopti, household):
    mopti["distribution"].status = "completed"
    mopti["distribution"].save()
    with pytest.raises(ValidationError) as refused:
        record(mopti, household)
    assert "distribution" in refused.value.message_dict


def test_a_proxy_collection_needs_the_proxy_name(mopti, household):
    with pytest.raises(ValidationError) as refused:
        record(mopti, household, verification_method="proxy")
    assert "proxy_name" in refused.value.message_dict
    assert record(mopti, household, verification_method="proxy", proxy_name="Moussa Ba").receipt.proxy_name


def test_receipt_time_in_the_future_is_refused(mopti, household):
    with pytest.raises(ValidationError):
        record(mopti, household, received_at=timezone.now() + datetime.timedelta(days=1))


def test_void_keeps_the_receipt_and_frees_the_household_for_a_new_one(mopti, household):
    receipt = record(mopti, household).receipt
    with pytest.raises(ValidationError):
        void_receipt(receipt, voided_by=mopti["officer"], reason="  ")
    void_receipt(receipt, voided_by=mopti["officer"], reason="Wrong household scanned")
    with pytest.raises(ValidationError):
        void_receipt(receipt, voided_by=mopti["officer"], reason="again")
    assert record(mopti, household).created
    assert Receipt.objects.count() == 2
    progress = {row["kit_type"].code: row for row in distribution_progress(mopti["distribution"])}
    assert progress["ESK"]["given"] == 1
    assert progress["NFI"]["given"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_officers_recording_the_same_receipt_at_once(mopti):
    """One wins; the other waits on the household's lock and gets a clear refusal."""
    household = factories.household(mopti["site"])
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def officer_records():
        try:
            barrier.wait()
            outcomes.append(record(mopti, household, client_uuid=uuid.uuid4()))
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=officer_records) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    created = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, DuplicateReceipt)]
    assert len(created) == 1 and len(refused) == 1, outcomes
    assert "already received" in str(refused[0])
    assert Receipt.objects.filter(household=household).count() == 1
