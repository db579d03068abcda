"""Distribution lists beyond the day of the Mopti round: criteria errors by field, entitlement rules, a list
supplied through the partner API, audited changes, the offline list's delta, overrides stored once, and the
queries each read costs."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from distributions.lists import selectors, services
from distributions.lists.models import ListChange, ListedHousehold
from distributions.models import Receipt
from distributions.services import record_receipt, record_receipts_bulk
from tests import factories
from tests.api.conftest import client_for


@pytest.fixture
def operation(mopti):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="mariam")
    sizes = [3, 4, 5, 6, 7]
    households = [
        factories.household(mopti["site"], females_6_17=size - 2, males_0_5=1, woman_headed=index % 2 == 0)
        for index, size in enumerate(sizes)
    ]
    return {**mopti, "manager": manager, "households": households}


def draft(operation, criteria=None, rules=None):
    criteria = criteria if criteria is not None else {"sites": [operation["site"].pk]}
    return services.save_list(operation["distribution"], by=operation["manager"], criteria=criteria, rules=rules or {})


def test_bad_criteria_and_rules_are_errors_named_by_field(operation):
    with pytest.raises(ValidationError) as error:
        draft(
            operation,
            {"sites": [999999], "size_min": "x", "vulnerability_any": ["rich"], "registered_from": "2024-13-01"},
            {"12345": {"size_min": 5, "quantity": 2}},
        )
    assert set(error.value.message_dict) == {
        "criteria.sites",
        "criteria.size_min",
        "criteria.vulnerability_any",
        "criteria.registered_from",
        "rules.12345",
    }
    with pytest.raises(ValidationError) as nobody:
        draft(operation, {"sites": [operation["site"].pk], "size_min": 50})
    assert nobody.value.message_dict == {"criteria": ["These criteria select no household."]}


def test_entitlement_rules_fixed_per_member_and_by_size(operation):
    shelter, nfi = operation["shelter"], operation["nfi"]
    operation["distribution"].items.filter(kit_type=shelter).update(
        entitlement_basis="per_member", entitlement_quantity=1, entitlement_maximum=5
    )
    dlist = draft(operation, rules={str(nfi.pk): {"size_min": 6, "quantity": 2}})
    counts = selectors.selection_counts(dlist)
    assert counts["households"] == 5
    assert counts["kits"] == {shelter.pk: 3 + 4 + 5 + 5 + 5, nfi.pk: 1 + 1 + 1 + 2 + 2}
    services.approve_list(dlist, approved_by=operation["manager"])
    assert selectors.selection_counts(dlist)["kits"] == counts["kits"]
    planned = dict(operation["distribution"].items.values_list("kit_type_id", "planned_quantity"))
    assert planned == counts["kits"]


def test_changes_after_approval_are_audited_and_the_plan_follows(operation):
    dlist = draft(operation, {"sites": [operation["site"].pk], "vulnerability_any": ["woman_headed"]})
    services.approve_list(dlist, approved_by=operation["manager"])
    left_out = operation["households"][1]
    with pytest.raises(ValidationError) as no_reason:
        services.add_household(dlist, left_out, by=operation["manager"], reason=" ")
    assert "reason" in no_reason.value.message_dict
    services.add_household(dlist, left_out, by=operation["manager"], reason="Missed by the registration team")
    on_list = operation["households"][0]
    record_receipt(
        recorded_by=operation["officer"],
        distribution=operation["distribution"],
        household=on_list,
        kit_type=operation["nfi"],
        verification_method="registration_code",
    )
    with pytest.raises(ValidationError):
        services.remove_household(dlist, on_list, by=operation["manager"], reason="Left the site")
    services.remove_household(dlist, operation["households"][2], by=operation["manager"], reason="Left the site")
    kinds = list(ListChange.objects.filter(dlist=dlist).order_by("pk").values_list("kind", "made_by__username"))
    assert kinds == [("added", "mariam"), ("removed", "mariam")]
    assert operation["distribution"].items.get(kit_type=operation["nfi"]).planned_quantity == 3  # 3 + 1 - 1


def test_the_offline_list_is_fetched_once_then_by_delta(operation, client):
    dlist = draft(operation, {"sites": [operation["site"].pk], "vulnerability_any": ["woman_headed"]})
    services.approve_list(dlist, approved_by=operation["manager"])
    client.force_login(operation["officer"])
    url = reverse("lists:offline", kwargs={"pk": operation["distribution"].pk})
    full = client.get(url).json()
    assert full["full"] and len(full["households"]) == 3
    services.add_household(dlist, operation["households"][1], by=operation["manager"], reason="Missed")
    services.remove_household(dlist, operation["households"][0], by=operation["manager"], reason="Left")
    delta = client.get(url, {"since": full["cursor"]}).json()
    assert not delta["full"]
    assert [row[0] for row in delta["households"]] == [operation["households"][1].pk]
    assert delta["removed"] == [operation["households"][0].pk]
    assert client.get(url, {"since": delta["cursor"]}).json()["households"] == []


def test_off_the_list_refused_in_a_sync_until_an_override_stored_once(operation):
    dlist = draft(operation, {"sites": [operation["site"].pk], "vulnerability_any": ["woman_headed"]})
    services.approve_list(dlist, approved_by=operation["manager"])
    stranger = operation["households"][1]
    item = {
        "distribution": operation["distribution"],
        "household": stranger,
        "kit_type": operation["nfi"],
        "verification_method": "thumbprint",
        "client_uuid": uuid.uuid4(),
    }
    (outcome,) = record_receipts_bulk(recorded_by=operation["officer"], items=[item])
    assert "not on the distribution list" in str(outcome.error)
    key = uuid.uuid4()
    first, created = services.override_list(
        dlist, stranger, by=operation["manager"], reason="Sick on day one", client_uuid=key
    )
    again, created_again = services.override_list(dlist, stranger, by=operation["manager"], reason="x", client_uuid=key)
    assert created and not created_again and first.pk == again.pk
    (outcome,) = record_receipts_bulk(recorded_by=operation["officer"], items=[{**item, "client_uuid": uuid.uuid4()}])
    assert outcome.recorded.created


def test_a_registration_system_supplies_a_list_through_the_api(operation):
    partner = factories.user(Role.PARTNER_SYSTEM, projects=[operation["project"]], username="registry")
    api = client_for(partner)
    pk = operation["distribution"].pk
    base = f"/api/v1/distributions/{pk}/list/"
    assert api.post(base, {"criteria": {}}, format="json").status_code == 200
    chosen = operation["households"][:2]
    for household in chosen:
        answer = api.post(
            base + "households/", {"household": household.pk}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
        assert answer.status_code == 201, answer.content
    assert api.post(base + "approve/", format="json").status_code == 403  # a manager approves
    assert client_for(operation["manager"]).post(base + "approve/", format="json").status_code == 200
    rows = api.get(base + "households/").json()["results"]
    assert {row["household"] for row in rows} == {h.pk for h in chosen}
    assert all(row["entitlements"] == {"ESK": 1, "NFI": 1} for row in rows)
    listed = api.get("/api/v1/lists/").json()["results"]
    assert [(row["distribution"], row["status"]) for row in listed] == [(pk, "approved")]
    assert api.get(base, {"nonsense": 1}).status_code == 400  # unknown parameters are refused
    override = client_for(operation["manager"]).post(
        base + "overrides/", {"household": operation["households"][3].pk, "reason": ""}, format="json"
    )
    assert override.status_code == 400 and "reason" in override.json()["errors"]


def test_reads_cost_a_fixed_number_of_queries(operation, django_assert_max_num_queries):
    dlist = draft(operation)
    services.approve_list(dlist, approved_by=operation["manager"])
    for household in operation["households"][:3]:
        record_receipt(
            recorded_by=operation["officer"],
            distribution=operation["distribution"],
            household=household,
            kit_type=operation["nfi"],
            verification_method="registration_code",
        )
    with django_assert_max_num_queries(4):
        assert selectors.absentees(dlist)["absent"] == 2
    with django_assert_max_num_queries(4):
        assert selectors.pending(dlist)["count"] == 2
    from django.utils import timezone

    with django_assert_max_num_queries(5):
        assert selectors.tally(dlist, operation["officer"], timezone.localdate())["households"] == 3
    with django_assert_max_num_queries(7):
        assert len(selectors.offline_list(operation["officer"], dlist)["households"]) == 5
    assert ListedHousehold.objects.filter(dlist=dlist).count() == 5
    assert Receipt.objects.filter(distribution=operation["distribution"]).count() == 3
