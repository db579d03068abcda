"""The change feed (issue 18): a partner that replays `changed_after` from zero into an empty mirror, pulling
between our changes, holds our totals after late syncs, voids, an edit, a bulk sync and a merge."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from beneficiaries.duplicate_services import merge_households
from beneficiaries.models import Household
from beneficiaries.services import update_household
from distributions.models import Receipt
from distributions.services import record_receipt, record_receipts_bulk, void_receipt
from projects.retention import anonymise_households
from tests import factories
from tests.api.test_reads import distinct_household

pytestmark = pytest.mark.django_db
ZERO = "1970-01-01T00:00:00Z"


class Mirror:
    """A partner's copy: rows by id, each replaced by the feed's current state; pulls page by page."""

    def __init__(self, client: APIClient, path: str):
        self.client, self.path = client, path
        self.rows: dict[int, dict] = {}
        self.changed_after = ZERO
        self.pages = 0

    def pull(self) -> int:
        applied = 0
        answer = self.client.get(self.path, {"changed_after": self.changed_after, "page_size": 2})
        while True:
            assert answer.status_code == 200, answer.json()
            body = answer.json()
            self.pages += 1
            for row in body["results"]:
                self.rows[row["id"]] = row
                self.changed_after = max(self.changed_after, row["changed_at"], key=_instant)
                applied += 1
            if not body["next"]:
                return applied
            answer = self.client.get(body["next"])


def _instant(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def our_totals() -> tuple[Counter, int, dict]:
    active = Receipt.objects.filter(voided_at__isnull=True).select_related("kit_type", "household")
    kits = Counter()
    for receipt in active:
        kits[receipt.kit_type.code] += receipt.quantity
    return kits, len(active), {r.pk: r.household.display_code for r in Receipt.objects.select_related("household")}


def mirror_totals(mirror: Mirror) -> tuple[Counter, int, dict]:
    active = [row for row in mirror.rows.values() if not row["is_voided"]]
    kits = Counter()
    for row in active:
        kits[row["kit_type"]] += row["quantity"]
    return kits, len(active), {pk: row["household"] for pk, row in mirror.rows.items()}


@pytest.fixture
def manager_api(mopti):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="pm")
    client = APIClient()
    client.force_authenticate(manager)
    return client


def _record(mopti, household, kit, **fields):
    return record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=kit,
        verification_method="registration_code",
        **fields,
    ).receipt


def test_replaying_the_feed_from_zero_keeps_our_totals(manager_api, mopti):
    receipts = Mirror(manager_api, "/api/v1/receipts/")
    households = Mirror(manager_api, "/api/v1/households/")
    people = [distinct_household(mopti["site"], registered_by=mopti["officer"]) for _ in range(5)]
    first = _record(mopti, people[0], mopti["shelter"])
    _record(mopti, people[1], mopti["shelter"])
    _record(mopti, people[1], mopti["nfi"])
    assert receipts.pull() == 3 and households.pull() == 5
    assert mirror_totals(receipts) == our_totals()

    # A phone syncs a receipt received two days ago: received before the last pull, recorded after it.
    _record(mopti, people[2], mopti["shelter"], received_at=timezone.now() - datetime.timedelta(days=2))
    void_receipt(first, voided_by=mopti["officer"], reason="Wrong card")  # a void of an earlier receipt
    receipts.pull()
    assert mirror_totals(receipts) == our_totals()

    # A household edit (the household feed), and a day offline synced in bulk.
    update_household(people[3], updated_by=mopti["officer"], phone="+223 76 999999")
    items = [
        {
            "distribution": mopti["distribution"],
            "household": person,
            "kit_type": mopti["nfi"],
            "verification_method": "registration_code",
            "quantity": 1,
            "proxy_name": "",
            "client_uuid": __import__("uuid").uuid4(),
            "received_at": timezone.now() - datetime.timedelta(hours=20),
        }
        for person in (people[3], people[4])
    ]
    assert all(outcome.recorded for outcome in record_receipts_bulk(recorded_by=mopti["officer"], items=items))
    receipts.pull()
    households.pull()
    assert mirror_totals(receipts) == our_totals()
    assert households.rows[people[3].pk]["phone"] == "+22376999999"

    # A merge: people[4]'s receipts follow people[3]; the NFI kit both received is voided ('merged').
    _record(mopti, people[4], mopti["shelter"])
    receipts.pull()
    merge_households(kept=people[3], duplicate=people[4], merged_by=mopti["officer"])
    receipts.pull()
    households.pull()
    assert mirror_totals(receipts) == our_totals()
    assert households.rows[people[4].pk]["is_active"] is False
    assert households.rows[people[4].pk]["merged_into"] == people[3].pk
    moved = [row for row in receipts.rows.values() if row["household"] == people[3].display_code]
    assert len(moved) == 3 and sum(not row["is_voided"] for row in moved) == 2

    # Nothing changed: a pull from the last instant serves only the rows stamped at that instant again.
    assert receipts.pull() <= 1
    # A second partner starting from zero now gets the same mirror in one replay.
    late_comer = Mirror(manager_api, "/api/v1/receipts/")
    late_comer.pull()
    assert mirror_totals(late_comer) == our_totals() and late_comer.rows.keys() == receipts.rows.keys()


def test_anonymisation_and_queryset_updates_are_changes(manager_api, mopti):
    households = Mirror(manager_api, "/api/v1/households/")
    household = distinct_household(mopti["site"], registered_by=mopti["officer"])
    _record(mopti, household, mopti["shelter"])
    households.pull()
    before = households.rows[household.pk]["changed_at"]
    name = households.rows[household.pk]["head_name"]
    assert anonymise_households(today=datetime.date(2100, 1, 1)) == 1  # long past the project's retention
    assert households.pull() == 1
    assert households.rows[household.pk]["head_name"] != name
    assert _instant(households.rows[household.pk]["changed_at"]) > _instant(before)
    # Any UPDATE, even one that bypasses the models, bumps the stamp (a database trigger).
    rows = Household.objects.filter(pk=household.pk)
    stamp = rows.get().changed_at
    rows.update(is_active=True)  # the value it had: not a change
    assert rows.get().changed_at == stamp
    rows.update(is_active=False)
    assert rows.get().changed_at > stamp


def test_the_feed_is_keyset_paginated_and_ordered_by_change(manager_api, mopti):
    made = [factories.served(mopti) for _ in range(5)]
    void_receipt(made[0], voided_by=mopti["officer"], reason="Wrong card")  # now the last change
    answer = manager_api.get("/api/v1/receipts/", {"changed_after": ZERO, "page_size": 2})
    seen = []
    while True:
        body = answer.json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        assert "cursor=" in body["next"]
        answer = manager_api.get(body["next"])
    assert seen == [receipt.pk for receipt in made[1:]] + [made[0].pk]
    assert manager_api.get("/api/v1/receipts/", {"changed_after": ZERO, "cursor": "nonsense"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_is_served_not_skipped(mopti):
    """A writer stamps its row, a partner pulls, then the writer commits: the row must come in the next pull,
    though its stamp is older than rows the partner already applied."""
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="pm")
    client = APIClient()
    client.force_authenticate(manager)
    slow, quick = (distinct_household(mopti["site"], registered_by=mopti["officer"]) for _ in range(2))
    mirror = Mirror(client, "/api/v1/households/")
    mirror.pull()
    stamped, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                update_household(slow, updated_by=mopti["officer"], phone="+223 76 111111")
                stamped.set()
                release.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert stamped.wait(30)
        update_household(quick, updated_by=mopti["officer"], phone="+223 76 222222")  # committed, stamped later
        assert mirror.pull() == 0  # the quick change waits behind the open one: nothing is settled past it
    finally:
        release.set()
        writer.join(30)
    assert mirror.pull() >= 2
    assert mirror.rows[slow.pk]["phone"] == "+22376111111" and mirror.rows[quick.pk]["phone"] == "+22376222222"
