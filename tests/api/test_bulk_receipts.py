"""The set-based bulk path: the answers record_receipt gives item by item, the summaries a rebuild gives."""

import json
import threading
import time
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from distributions import services
from distributions.models import Distribution, HouseholdReach, Receipt
from distributions.services import record_receipt
from tests import factories
from tests.api.conftest import client_for, receipt_item
from tests.api.test_reads import distinct_household
from tests.progress.conftest import at
from tests.progress.test_engine import assert_summaries_equal_a_rebuild

pytestmark = pytest.mark.django_db

BULK = "/api/v1/receipts/bulk/"


def bulk(api, items) -> list[dict]:
    answer = api.post(BULK, json.dumps({"receipts": items}), content_type="application/json")
    assert answer.status_code == 200, answer.content[:500]
    return answer.json()["results"]


@pytest.fixture
def per_item_path(monkeypatch):
    """Force the fallback: the batch's writes fail as on a lost race, and items are recorded one by one."""

    def lost_race(receipts, recorded_by):
        raise IntegrityError("simulated race")  # the batch's insert, as when another device stored a client UUID

    monkeypatch.setattr(services, "_copy_with_history", lost_race)


@pytest.fixture
def scene(mopti):
    project, site, officer, shelter = mopti["project"], mopti["site"], mopti["officer"], mopti["shelter"]
    later = factories.distribution(project, site, kits=[shelter])
    closed = factories.distribution(project, site, kits=[shelter], status=Distribution.Status.COMPLETED)
    stored, late, new, two_kits, refused = (distinct_household(site) for _ in range(5))
    stored_uuid = uuid.uuid4()
    for household, distribution, client_uuid in ((stored, mopti["distribution"], stored_uuid), (late, later, None)):
        record_receipt(
            recorded_by=officer,
            distribution=distribution,
            household=household,
            kit_type=shelter,
            verification_method="signature",
            client_uuid=client_uuid,
            received_at=at("2024-07-10"),
        )
    return {
        "closed": closed,
        "stored": stored,
        "stored_uuid": str(stored_uuid),
        "late": late,
        "new": new,
        "two_kits": two_kits,
        "refused": refused,
    }


def mixed_items(mopti, scene) -> list[dict]:
    def item(household, day, **fields):
        fields = {"client_uuid": str(uuid.uuid4()), "received_at": f"2024-07-{day:02d}T09:00:00Z", **fields}
        return receipt_item(mopti, household, **fields)

    first_uuid = str(uuid.uuid4())
    return [
        item(scene["new"], 3, client_uuid=first_uuid),  # 0 created
        item(scene["stored"], 4, client_uuid=scene["stored_uuid"]),  # 1 replay of a stored receipt
        item(scene["stored"], 4),  # 2 duplicate of a stored receipt
        item(scene["new"], 5),  # 3 duplicate of item 0, in this batch
        item(scene["new"], 3, client_uuid=first_uuid),  # 4 replay of item 0, in this batch
        item(scene["two_kits"], 4),  # 5 created
        item(scene["two_kits"], 6, kit_type="NFI"),  # 6 created: a second kit type for the household
        item(scene["late"], 2),  # 7 created: earlier than the household's stored first receipt (10 July)
        item(scene["refused"], 4, quantity=5),  # 8 invalid quantity
        item(scene["refused"], 4, distribution=scene["closed"].pk),  # 9 closed distribution
        item(scene["refused"], 4, kit_type="NFI", client_uuid=first_uuid),  # 10 names item 0's receipt
    ]


@pytest.mark.parametrize("path", ["set", "per_item"])
def test_mixed_bulk_answers_each_item_and_keeps_summaries_exact(request, path, officer_api, mopti, scene):
    if path == "per_item":
        request.getfixturevalue("per_item_path")
    items = mixed_items(mopti, scene)
    results = bulk(officer_api, items)
    assert [(r["status"], r.get("code")) for r in results] == [
        ("created", None),
        ("already_recorded", None),
        ("refused", "duplicate_receipt"),
        ("refused", "duplicate_receipt"),
        ("already_recorded", None),
        ("created", None),
        ("created", None),
        ("created", None),
        ("refused", "invalid"),
        ("refused", "invalid"),
        ("refused", "client_uuid_conflict"),
    ]
    first_id = results[0]["receipt"]["id"]
    assert results[1]["receipt"]["client_uuid"] == scene["stored_uuid"]
    assert results[2]["existing"]["recorded_by"] == "Hamadoun Dicko"
    assert results[3]["existing"]["receipt_id"] == first_id
    assert results[4]["receipt"]["id"] == first_id
    assert list(results[8]["errors"]) == ["quantity"] and list(results[9]["errors"]) == ["distribution"]
    assert Receipt.objects.count() == 2 + 4
    late_first = HouseholdReach.objects.get(household=scene["late"], kit_type=mopti["shelter"])
    assert late_first.first_receipt_id == results[7]["receipt"]["id"] and late_first.is_household_first
    assert_summaries_equal_a_rebuild()


def test_each_created_receipt_has_its_history_row(officer_api, mopti, scene):
    results = bulk(officer_api, mixed_items(mopti, scene))
    created = [r["receipt"]["id"] for r in results if r["status"] == "created"]
    history = Receipt.history.filter(id__in=created)
    assert sorted(history.values_list("id", flat=True)) == sorted(created)
    assert {(row.history_type, row.channel, row.history_user_id) for row in history} == {
        ("+", "api", mopti["officer"].pk)
    }


def test_the_history_row_and_the_answer_hold_what_was_stored(officer_api, mopti, scene):
    # PostgreSQL writes receipts and history rows by COPY: every column must land where the ORM puts it.
    results = bulk(officer_api, mixed_items(mopti, scene))
    created = {r["receipt"]["id"]: r["receipt"] for r in results if r["status"] == "created"}
    tracked = [field.attname for field in Receipt.history.model.tracked_fields]
    stored = {row["id"]: row for row in Receipt.objects.filter(id__in=created).values(*tracked)}
    history = {row["id"]: row for row in Receipt.history.filter(id__in=created).values(*tracked)}
    assert len(stored) == len(created) > 0 and history == stored
    for pk, answer in created.items():
        fetched = officer_api.get(f"/api/v1/receipts/{pk}/").json()
        assert answer == fetched


def test_a_bulk_costs_the_same_queries_whatever_its_size(officer_api, mopti):
    # Two sizes: a count that grew with the items would show a per-item query.
    counts = []
    for size in (5, 20):
        items = [
            receipt_item(mopti, distinct_household(mopti["site"]), client_uuid=str(uuid.uuid4())) for _ in range(size)
        ]
        with CaptureQueriesContext(connection) as queries:
            results = bulk(officer_api, items)
        assert {r["status"] for r in results} == {"created"}
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    assert_summaries_equal_a_rebuild()


def test_a_failed_batch_leaves_nothing_and_falls_back_item_by_item(officer_api, mopti, scene, per_item_path):
    items = mixed_items(mopti, scene)[:1]
    assert [r["status"] for r in bulk(officer_api, items)] == ["created"]
    assert Receipt.objects.filter(client_uuid=items[0]["client_uuid"]).count() == 1
    assert Receipt.history.filter(client_uuid=items[0]["client_uuid"]).count() == 1


def test_items_that_are_not_objects_are_refused_one_by_one(officer_api, mopti):
    items = [None, "x", receipt_item(mopti, distinct_household(mopti["site"]))]
    results = bulk(officer_api, items)
    assert [(r["status"], r.get("code")) for r in results] == [
        ("refused", "invalid"),
        ("refused", "invalid"),
        ("created", None),
    ]
    assert results[0]["errors"]["non_field_errors"] and results[1]["errors"]["non_field_errors"]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_that_loses_a_race_for_a_client_uuid_answers_each_item_exactly(mopti, monkeypatch):
    first, second, other = (distinct_household(mopti["site"]) for _ in range(3))
    raced = str(uuid.uuid4())
    inserted = threading.Event()
    fallbacks = []
    record_each = services._record_each

    def counted(*args, **kwargs):
        fallbacks.append(args)
        return record_each(*args, **kwargs)

    monkeypatch.setattr(services, "_record_each", counted)

    def other_device() -> None:
        with transaction.atomic():
            record_receipt(
                recorded_by=mopti["officer"],
                distribution=mopti["distribution"],
                household=other,
                kit_type=mopti["shelter"],
                verification_method="signature",
                client_uuid=uuid.UUID(raced),
            )
            inserted.set()
            time.sleep(1.5)  # meanwhile the bulk passes its checks and waits on the unique index
        connection.close()

    thread = threading.Thread(target=other_device)
    thread.start()
    assert inserted.wait(10)
    items = [receipt_item(mopti, first, client_uuid=raced), receipt_item(mopti, second, client_uuid=str(uuid.uuid4()))]
    results = bulk(client_for(mopti["officer"]), items)
    thread.join()
    assert [(r["status"], r.get("code")) for r in results] == [("refused", "client_uuid_conflict"), ("created", None)]
    assert len(fallbacks) == 2  # the batch's insert lost the race; each item was then recorded alone
    assert Receipt.objects.count() == 2 and Receipt.history.count() == 2
    assert_summaries_equal_a_rebuild()
