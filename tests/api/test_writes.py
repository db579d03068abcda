"""Writes: receipts (single, bulk, void), households (create, If-Match), distributions; idempotency."""

import json
import threading
import uuid

import pytest
from django.db import connection

from api.models import IdempotencyRecord
from beneficiaries.models import Household
from distributions.models import Distribution, Receipt
from tests import factories
from tests.api.conftest import client_for, receipt_item
from tests.api.test_reads import distinct_household

pytestmark = pytest.mark.django_db


def post(api, path, payload, **headers):
    return api.post(path, json.dumps(payload), content_type="application/json", **headers)


# --- single receipt ------------------------------------------------------------------------------


def test_receipt_created_201_then_same_client_uuid_200(officer_api, mopti, household):
    item = receipt_item(mopti, household, client_uuid=str(uuid.uuid4()))
    first = post(officer_api, "/api/v1/receipts/", item)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["client_uuid"] == item["client_uuid"] and body["recorded_by"] == "Hamadoun Dicko"
    assert body["quantity"] == 1 and body["household"] == household.display_code
    assert first["Location"].endswith(f"/receipts/{body['id']}/")
    again = post(officer_api, "/api/v1/receipts/", item)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Receipt.objects.count() == 1


@pytest.mark.parametrize("who", ["officer_api", "partner_api"])
def test_the_answer_to_a_receipt_post_is_the_stored_receipt(request, mopti, household, who):
    # The answer is drawn from the receipt in memory (no re-read): it must equal what a GET reads back,
    # for a created receipt and for its replay, with and without personal data.
    api = request.getfixturevalue(who)
    item = receipt_item(
        mopti,
        household,
        client_uuid=str(uuid.uuid4()),
        verification_method="proxy",
        proxy_name="  Awa Traoré ",
        received_at="2024-05-02T09:15:30.123456+02:00",
    )
    created = post(api, "/api/v1/receipts/", item)
    assert created.status_code == 201, created.json()
    fetched = api.get(f"/api/v1/receipts/{created.json()['id']}/").json()
    assert created.json() == fetched
    replayed = post(api, "/api/v1/receipts/", item)
    assert replayed.status_code == 200 and replayed.json() == fetched


def test_a_receipt_post_costs_a_fixed_number_of_queries(officer_api, mopti, django_assert_max_num_queries):
    # A regression guard (issue 17: 20 phones at one distribution). 13 statements: the token, the two
    # look-ups (the distribution with its kit type and plan, the household); in the transaction (its two
    # statements included) the household's lock, the stored receipts, the list, the receipt and its history
    # row, the reach rows and the household's first one, the summaries' one statement. It was 31 when the
    # answer re-read the receipt and each summary table took a read and a write, 15 with three look-ups and
    # the plan read apart.
    warm, fresh = distinct_household(mopti["site"]), distinct_household(mopti["site"])
    assert post(officer_api, "/api/v1/receipts/", receipt_item(mopti, warm)).status_code == 201
    with django_assert_max_num_queries(13):
        answer = post(officer_api, "/api/v1/receipts/", receipt_item(mopti, fresh))
    assert answer.status_code == 201, answer.json()


def test_duplicate_receipt_409_names_when_and_who(officer_api, mopti, household):
    post(officer_api, "/api/v1/receipts/", receipt_item(mopti, household))
    answer = post(officer_api, "/api/v1/receipts/", receipt_item(mopti, household))
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["code"] == "duplicate_receipt"
    assert problem["existing"]["recorded_by"] == "Hamadoun Dicko" and problem["existing"]["received_at"]
    assert Receipt.objects.count() == 1


def test_client_uuid_naming_another_receipt_409(officer_api, mopti, household):
    client_uuid = str(uuid.uuid4())
    post(officer_api, "/api/v1/receipts/", receipt_item(mopti, household, client_uuid=client_uuid))
    answer = post(
        officer_api, "/api/v1/receipts/", receipt_item(mopti, household, client_uuid=client_uuid, kit_type="NFI")
    )
    assert answer.status_code == 409 and answer.json()["code"] == "client_uuid_conflict"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 5}, "quantity"),
        ({"quantity": 10**30}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"household": "K7Q3-9X2M-Z"}, "household"),
        ({"kit_type": "NOPE"}, "kit_type"),
        ({"distribution": 10**12}, "distribution"),
        ({"distribution": 10**30}, "distribution"),
        ({"verification_method": "proxy"}, "proxy_name"),
        ({"verification_method": "magic"}, "verification_method"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": "2999-01-01T00:00:00Z"}, "received_at"),
        ({"proxy_name": "x" * 10_000}, "proxy_name"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_receipt_is_400_naming_the_field_and_stores_nothing(officer_api, mopti, household, overrides, field):
    answer = post(officer_api, "/api/v1/receipts/", receipt_item(mopti, household, **overrides))
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["errors"]
    assert not Receipt.objects.exists()


def test_receipt_for_out_of_scope_distribution_or_household_is_400(officer_api, mopti, household, elsewhere):
    other = receipt_item(mopti, household, distribution=elsewhere["distribution"].pk)
    assert "distribution" in post(officer_api, "/api/v1/receipts/", other).json()["errors"]
    foreign = receipt_item(mopti, elsewhere["household"])
    assert "household" in post(officer_api, "/api/v1/receipts/", foreign).json()["errors"]
    assert not Receipt.objects.exists()


def test_partner_system_records_by_code_without_seeing_personal_data(partner_api, mopti, household):
    answer = post(partner_api, "/api/v1/receipts/", receipt_item(mopti, household))
    assert answer.status_code == 201
    assert answer.json()["household"] is None


def test_void_receipt(officer_api, mopti, household):
    receipt_id = post(officer_api, "/api/v1/receipts/", receipt_item(mopti, household)).json()["id"]
    assert post(officer_api, f"/api/v1/receipts/{receipt_id}/void/", {}).status_code == 400
    answer = post(officer_api, f"/api/v1/receipts/{receipt_id}/void/", {"reason": "Wrong household"})
    assert answer.status_code == 200 and answer.json()["is_voided"] is True
    again = post(officer_api, f"/api/v1/receipts/{receipt_id}/void/", {"reason": "Twice"})
    assert again.status_code == 400
    # The kit may now be recorded again.
    assert post(officer_api, "/api/v1/receipts/", receipt_item(mopti, household)).status_code == 201


def test_donor_may_not_void(donor_api, officer_api, mopti, household):
    receipt_id = post(officer_api, "/api/v1/receipts/", receipt_item(mopti, household)).json()["id"]
    assert post(donor_api, f"/api/v1/receipts/{receipt_id}/void/", {"reason": "no"}).status_code == 403


# --- bulk ----------------------------------------------------------------------------------------


def test_bulk_one_result_per_item(officer_api, mopti, household, elsewhere):
    second = distinct_household(mopti["site"])
    stored_uuid = str(uuid.uuid4())
    post(officer_api, "/api/v1/receipts/", receipt_item(mopti, second, client_uuid=stored_uuid))
    items = [
        receipt_item(mopti, household, client_uuid=str(uuid.uuid4())),  # created
        receipt_item(mopti, second, client_uuid=stored_uuid),  # already recorded
        receipt_item(mopti, household, client_uuid=str(uuid.uuid4())),  # duplicate of item 0
        receipt_item(mopti, household, client_uuid=str(uuid.uuid4()), kit_type="NFI", quantity=9),  # invalid
        receipt_item(mopti, elsewhere["household"], client_uuid=str(uuid.uuid4())),  # not found (scope)
        {"client_uuid": str(uuid.uuid4()), "household": 12},  # invalid shape
        receipt_item(mopti, second, client_uuid=stored_uuid, kit_type="NFI"),  # uuid names another receipt
    ]
    answer = post(officer_api, "/api/v1/receipts/bulk/", {"receipts": items})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [result["index"] for result in results] == list(range(7))
    assert [result["status"] for result in results] == ["created", "already_recorded"] + ["refused"] * 5
    assert [result.get("code") for result in results[2:]] == [
        "duplicate_receipt",
        "invalid",
        "not_found",
        "invalid",
        "client_uuid_conflict",
    ]
    assert results[0]["receipt"]["client_uuid"] == items[0]["client_uuid"]
    assert results[1]["receipt"]["client_uuid"] == stored_uuid
    assert results[2]["existing"]["recorded_by"] == "Hamadoun Dicko"
    assert "quantity" in results[3]["errors"]
    assert "household" in results[4]["errors"]
    assert {"distribution", "kit_type", "verification_method"} <= set(results[5]["errors"])
    assert Receipt.objects.count() == 2
    # The whole sync again: nothing new, every stored item answered already_recorded.
    again = post(officer_api, "/api/v1/receipts/bulk/", {"receipts": items[:2]}).json()["results"]
    assert [result["status"] for result in again] == ["already_recorded", "already_recorded"]
    assert Receipt.objects.count() == 2


@pytest.mark.parametrize(
    "payload",
    [[], {"receipts": []}, {"receipts": "x"}, {"receipts": [{}] * 1001}, {"receipts": [], "more": 1}, "text"],
)
def test_bulk_bad_envelope_is_400(officer_api, mopti, payload):
    answer = post(officer_api, "/api/v1/receipts/bulk/", payload)
    assert answer.status_code == 400
    assert answer.json()["errors"]


def test_bulk_records_many_households_in_one_call(officer_api, mopti):
    households = [distinct_household(mopti["site"]) for _ in range(40)]
    items = [receipt_item(mopti, household, client_uuid=str(uuid.uuid4())) for household in households]
    answer = post(officer_api, "/api/v1/receipts/bulk/", {"receipts": items})
    assert {result["status"] for result in answer.json()["results"]} == {"created"}
    assert Receipt.objects.count() == 40


# --- idempotency ---------------------------------------------------------------------------------


def test_idempotent_replay_returns_first_answer_without_doing_work_twice(officer_api, mopti):
    payload = {
        "head_name": "Kadidia Coulibaly",
        "head_sex": "F",
        "head_birth_year": 1979,
        "site": "WAL",
        "displacement_status": "idp",
        "females_18_59": 1,
        "males_0_5": 2,
    }
    first = post(officer_api, "/api/v1/households/", payload, HTTP_IDEMPOTENCY_KEY="sync-42")
    assert first.status_code == 201, first.json()
    replay = post(officer_api, "/api/v1/households/", payload, HTTP_IDEMPOTENCY_KEY="sync-42")
    assert replay.status_code == 201
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert replay["ETag"] == first["ETag"]
    assert Household.objects.count() == 1
    other = post(
        officer_api, "/api/v1/households/", {**payload, "head_birth_year": 1980}, HTTP_IDEMPOTENCY_KEY="sync-42"
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Household.objects.count() == 1


def test_idempotency_keys_belong_to_their_user(officer_api, partner_api, mopti, household):
    item = receipt_item(mopti, household)
    assert post(officer_api, "/api/v1/receipts/", item, HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    answer = post(partner_api, "/api/v1/receipts/", {**item, "kit_type": "NFI"}, HTTP_IDEMPOTENCY_KEY="k")
    assert answer.status_code == 201


def test_errors_are_replayed_too_and_key_too_long_is_400(officer_api, mopti, household):
    bad = receipt_item(mopti, household, quantity=7)
    first = post(officer_api, "/api/v1/receipts/", bad, HTTP_IDEMPOTENCY_KEY="bad-1")
    replay = post(officer_api, "/api/v1/receipts/", bad, HTTP_IDEMPOTENCY_KEY="bad-1")
    assert first.status_code == replay.status_code == 400 and replay.json() == first.json()
    assert replay["Content-Type"] == "application/problem+json"
    too_long = post(officer_api, "/api/v1/receipts/", bad, HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert too_long.status_code == 400
    assert IdempotencyRecord.objects.count() == 1


# --- households ----------------------------------------------------------------------------------


def test_household_patch_with_if_match_and_stale_412(officer_api, household):
    path = f"/api/v1/households/{household.pk}/"
    etag = officer_api.get(path)["ETag"]
    changed = officer_api.patch(path, {"phone": "+223 70 00 00 01"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["phone"] == "+22370000001"  # stored in E.164
    assert changed["ETag"] != etag
    stale = officer_api.patch(path, {"phone": "+223 70 00 00 02"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    assert Household.objects.get(pk=household.pk).phone == "+22370000001"


@pytest.mark.parametrize("typed", ["+223 70 11 13 33x", "70 11 14 44 ext 5", "0800 FLOWERS", "70111444, 76543210"])
def test_a_phone_with_a_letter_or_a_second_number_is_refused_not_cut(officer_api, household, typed):
    """phonenumbers would store '+22370111333' for '+22370111333x' (an extension, dropped): refused instead."""
    path = f"/api/v1/households/{household.pk}/"
    stored = household.phone
    answer = officer_api.patch(path, {"phone": typed}, format="json")
    assert answer.status_code == 400 and "phone" in answer.json()["errors"]
    assert Household.objects.get(pk=household.pk).phone == stored
    # Digits of another script and any separators stay readable.
    answer = officer_api.patch(path, {"phone": "(+223) ٧٠–١١–١٤–٤٤"}, format="json")
    assert answer.status_code == 200 and answer.json()["phone"] == "+22370111444"


def test_household_patch_field_errors(officer_api, household):
    path = f"/api/v1/households/{household.pk}/"
    answer = officer_api.patch(path, {"household_size": 9, "registration_code": "X"}, format="json")
    assert answer.status_code == 400
    assert {"registration_code"} <= set(answer.json()["errors"])
    answer = officer_api.patch(path, {"household_size": 9}, format="json")
    assert answer.status_code == 400 and "household_size" in answer.json()["errors"]


def test_household_create_in_out_of_scope_site_is_400(officer_api, elsewhere):
    payload = {
        "head_name": "A",
        "head_sex": "M",
        "head_birth_year": 1970,
        "site": "GAO-1",
        "displacement_status": "idp",
    }
    answer = post(officer_api, "/api/v1/households/", {**payload, "males_18_59": 1})
    assert answer.status_code == 400 and "site" in answer.json()["errors"]


# --- distributions -------------------------------------------------------------------------------


def test_partner_plans_and_changes_a_distribution(partner_api, officer_api, mopti):
    payload = {
        "project": "MLI-TEST",
        "site": "WAL",
        "name": "Second round",
        "planned_start": "2024-09-01",
        "planned_end": "2024-09-10",
        "items": [{"kit_type": "NFI", "planned_quantity": 75}],
    }
    created = post(partner_api, "/api/v1/distributions/", payload)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "planned" and body["items"][0]["planned_quantity"] == 75
    path = f"/api/v1/distributions/{body['id']}/"
    changed = partner_api.patch(
        path, {"status": "ongoing", "items": [{"kit_type": "ESK", "planned_quantity": 5}]}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert [item["kit_type"] for item in changed.json()["items"]] == ["ESK"]
    backwards = partner_api.patch(path, {"planned_end": "2024-08-01"}, format="json")
    assert backwards.status_code == 400 and "planned_end" in backwards.json()["errors"]
    assert post(officer_api, "/api/v1/distributions/", payload).status_code == 403
    assert Distribution.objects.filter(name="Second round").count() == 1


# --- concurrency (PostgreSQL: separate connections, real row locks) ------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_the_same_receipt_store_one(mopti):
    household = factories.household(mopti["site"])
    item = receipt_item(mopti, household)
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def send(client_uuid):
        api = client_for(mopti["officer"])
        barrier.wait()
        answers.append(post(api, "/api/v1/receipts/", {**item, "client_uuid": client_uuid}).status_code)
        connection.close()

    same_uuid = str(uuid.uuid4())
    threads = [threading.Thread(target=send, args=(same_uuid,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 201]
    assert Receipt.objects.count() == 1

    # Two devices, two client UUIDs, one household and kit: one stored, the other told 409.
    Receipt.objects.all().delete()
    answers.clear()
    threads = [threading.Thread(target=send, args=(str(uuid.uuid4()),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409]
    assert Receipt.objects.count() == 1


def test_idempotent_answer_echoing_a_nul_character_is_stored(officer_api, mopti, household):
    bad = receipt_item(mopti, household, kit_type="ES\x00K")
    first = post(officer_api, "/api/v1/receipts/", bad, HTTP_IDEMPOTENCY_KEY="nul-1")
    replay = post(officer_api, "/api/v1/receipts/", bad, HTTP_IDEMPOTENCY_KEY="nul-1")
    assert first.status_code == replay.status_code == 400
    assert replay["Idempotent-Replayed"] == "true"
