"""A refused duplicate receipt names its officer only to roles that see staff names (issue 13, review).

The 409's `existing.recorded_by` was blank for a partner without the personal-data grant, but the
problem's `detail` (and the bulk endpoint's error text) still said "(recorded by Shireen Hamo)".
"""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from demo.loader import load_demo
from distributions.models import Receipt


@pytest.fixture
def stored(db):
    load_demo()
    cache.clear()  # throttle counters
    receipt = Receipt.objects.filter(voided_at__isnull=True, distribution__status="ongoing").select_related(
        "recorded_by", "household", "kit_type"
    )[0]
    return receipt


def api_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def _again(receipt: Receipt) -> dict:
    return {
        "client_uuid": "0b6f7a1e-4c55-4a43-9b8e-2f3d1c7a9e99",
        "distribution": receipt.distribution_id,
        "household": receipt.household.display_code,
        "kit_type": receipt.kit_type.code,
        "verification_method": "registration_code",
        "quantity": receipt.quantity,
    }


def test_a_partner_without_the_grant_is_not_told_who_recorded_the_receipt(stored):
    officer = stored.recorded_by.get_full_name()
    assert officer
    single = api_as("partner").post("/api/v1/receipts/", _again(stored), format="json")
    assert single.status_code == 409
    assert officer not in single.content.decode()
    bulk = api_as("partner").post("/api/v1/receipts/bulk/", {"receipts": [_again(stored)]}, format="json")
    assert bulk.json()["results"][0]["code"] == "duplicate_receipt"
    assert officer not in bulk.content.decode()
    manager = api_as("manager").post("/api/v1/receipts/", _again(stored), format="json")
    assert manager.status_code == 409 and officer in manager.json()["detail"]
