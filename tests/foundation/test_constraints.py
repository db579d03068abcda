"""The database itself refuses what would corrupt the figures, whatever code writes to it."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from beneficiaries.models import Household
from distributions.models import DistributionItem, Receipt
from tests import factories


def receipt_values(mopti, household, **overrides) -> dict:
    values = {
        "client_uuid": uuid.uuid4(),
        "distribution": mopti["distribution"],
        "household": household,
        "kit_type": mopti["shelter"],
        "quantity": 1,
        "received_at": timezone.now(),
        "recorded_by": mopti["officer"],
        "verification_method": "registration_code",
        "site": household.site,
        **household.figures(),
    }
    values.update(overrides)
    return values


def refused(**values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(**values)


@pytest.fixture
def household(mopti):
    return factories.household(mopti["site"])


def test_duplicate_active_receipt_is_refused(mopti, household):
    Receipt.objects.create(**receipt_values(mopti, household))
    refused(**receipt_values(mopti, household))
    assert Receipt.objects.count() == 1


def test_a_voided_receipt_does_not_block_a_new_one(mopti, household):
    first = Receipt.objects.create(**receipt_values(mopti, household))
    Receipt.objects.filter(pk=first.pk).update(voided_at=timezone.now(), voided_by=mopti["officer"], void_reason="x")
    Receipt.objects.create(**receipt_values(mopti, household))
    assert Receipt.objects.filter(voided_at__isnull=True).count() == 1


@pytest.mark.parametrize("quantity", [0, -1])
def test_zero_or_negative_quantity_is_refused(mopti, household, quantity):
    refused(**receipt_values(mopti, household, quantity=quantity))


def test_kit_type_not_planned_by_the_distribution_is_refused(mopti, household):
    hygiene = factories.kit_type("HYG", "hygiene")
    refused(**receipt_values(mopti, household, kit_type=hygiene))


def test_a_planned_kit_type_with_receipts_cannot_be_removed_from_the_plan(mopti, household):
    Receipt.objects.create(**receipt_values(mopti, household))
    item = DistributionItem.objects.get(distribution=mopti["distribution"], kit_type=mopti["shelter"])
    with pytest.raises(IntegrityError), transaction.atomic():
        item.delete()


def test_household_size_must_equal_the_sex_and_age_counts(mopti, household):
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(household_size=household.household_size + 1)
    refused(**receipt_values(mopti, household, household_size=household.household_size + 2))


def test_a_proxy_collection_names_the_proxy(mopti, household):
    refused(**receipt_values(mopti, household, verification_method="proxy", proxy_name=""))


def test_a_void_records_who_when_and_why(mopti, household):
    receipt = Receipt.objects.create(**receipt_values(mopti, household))
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(voided_at=timezone.now())


def test_client_uuid_is_stored_once(mopti, household):
    values = receipt_values(mopti, household)
    Receipt.objects.create(**values)
    refused(**{**values, "kit_type": mopti["nfi"]})
