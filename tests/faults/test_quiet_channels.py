"""Issue 12, quieter channels: free-text void reasons only for roles that may see personal data.

(The duplicate check outside the officer's scope: tests/imports/test_duplicates.py and
test_bulk_registration.py; sign-in locks per account and address: tests/security/test_hardening.py.)
"""

import pytest

from accounts.models import Role
from distributions.services import void_receipt
from tests import factories
from tests.api.conftest import client_for

REASON = "Wrong household: it was Awa Diarra's sister, phone +223 70 11 11 11"


@pytest.fixture
def voided(mopti):
    receipt = factories.served(mopti)
    return void_receipt(receipt, voided_by=mopti["officer"], reason=REASON)


@pytest.mark.parametrize(("grant", "seen"), [(False, ""), (True, REASON)])
def test_a_partner_reads_the_void_reason_only_with_the_personal_data_grant(mopti, voided, grant, seen):
    partner = factories.user(
        Role.PARTNER_SYSTEM, projects=[mopti["project"]], username="kobo", personal_data_grant=grant
    )
    api = client_for(partner)
    listed = api.get("/api/v1/receipts/").json()["results"]
    assert [(row["is_voided"], row["void_reason"]) for row in listed] == [(True, seen)]
    one = api.get(f"/api/v1/receipts/{voided.pk}/").json()
    assert one["void_reason"] == seen


def test_the_officer_still_reads_the_void_reason(mopti, voided):
    assert client_for(mopti["officer"]).get(f"/api/v1/receipts/{voided.pk}/").json()["void_reason"] == REASON
