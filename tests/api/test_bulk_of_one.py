"""A bulk POST of one receipt, as the field app syncs each receipt it records online (static/field/field.js),
goes through record_receipt's prepared path (distributions.services.record_receipts_bulk): it must answer what
the batch path answers for that item, refusal for refusal, and keep its refusals for the distribution's page."""

import json
import uuid

import pytest

from distributions.models import Receipt, SyncRefusal
from tests.api.conftest import receipt_item
from tests.api.test_reads import distinct_household

pytestmark = pytest.mark.django_db


def sync(api, item) -> dict:
    answer = api.post("/api/v1/receipts/bulk/", json.dumps({"receipts": [item]}), content_type="application/json")
    assert answer.status_code == 200, answer.content
    [result] = answer.json()["results"]
    assert result["index"] == 0 and result["client_uuid"] == item.get("client_uuid")
    return result


def test_each_answer_of_a_bulk_of_one_is_the_batch_answer(officer_api, mopti, household, elsewhere):
    stored = receipt_item(mopti, household, client_uuid=str(uuid.uuid4()))
    created = sync(officer_api, stored)
    assert created["status"] == "created" and created["receipt"]["client_uuid"] == stored["client_uuid"]
    assert created["receipt"] == officer_api.get(f"/api/v1/receipts/{created['receipt']['id']}/").json()
    assert sync(officer_api, stored)["status"] == "already_recorded"

    duplicate = sync(officer_api, receipt_item(mopti, household, client_uuid=str(uuid.uuid4())))
    assert (duplicate["status"], duplicate["code"]) == ("refused", "duplicate_receipt")
    assert duplicate["existing"]["recorded_by"] == "Hamadoun Dicko" and "household" in duplicate["errors"]
    over = receipt_item(mopti, distinct_household(mopti["site"]), client_uuid=str(uuid.uuid4()), quantity=9)
    too_many = sync(officer_api, over)
    assert (too_many["code"], list(too_many["errors"])) == ("invalid", ["quantity"])
    out_of_scope = sync(officer_api, receipt_item(mopti, elsewhere["household"], client_uuid=str(uuid.uuid4())))
    assert (out_of_scope["code"], list(out_of_scope["errors"])) == ("not_found", ["household"])
    conflict = sync(officer_api, {**stored, "kit_type": "NFI"})
    assert (conflict["code"], list(conflict["errors"])) == ("client_uuid_conflict", ["client_uuid"])
    assert Receipt.objects.count() == 1
    # As for a batch: the refusals record_receipt gave are kept (not the unknown household, nor the UUID clash).
    kept = set(SyncRefusal.objects.values_list("client_uuid", flat=True))
    assert {str(client_uuid) for client_uuid in kept} == {duplicate["client_uuid"], too_many["client_uuid"]}


def test_a_bulk_of_one_costs_what_a_single_receipt_does(officer_api, mopti, django_assert_max_num_queries):
    warm, fresh = (receipt_item(mopti, distinct_household(mopti["site"]), client_uuid=str(uuid.uuid4())) for _ in "ab")
    sync(officer_api, warm)
    with django_assert_max_num_queries(13):  # tests/api/test_writes.py names them
        result = sync(officer_api, fresh)
    assert result["status"] == "created"
