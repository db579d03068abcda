"""The stock pages (issue 20): the storekeeper's warehouse, kits on site on the field screen with the warning
after a receipt beyond them, the reconciliation page and its PDF in three languages."""

import io
import unicodedata
import uuid

import pytest
from django.urls import reverse
from pypdf import PdfReader

from distributions.models import Receipt
from stock.models import MovementKind, StockBalance, StockMovement
from tests import factories
from tests.stock.conftest import move

pytestmark = pytest.mark.django_db


def test_a_storekeeper_records_a_dispatch_on_the_warehouse_page(client, store, django_assert_max_num_queries):
    client.force_login(store["storekeeper"])
    assert client.get("/").url == reverse("stock:warehouses")
    assert "IOM warehouse, Mopti" in client.get(reverse("stock:warehouses")).content.decode()
    url = reverse("stock:warehouse", args=[store["warehouse"].pk])
    data = {
        "kind": "dispatched",
        "project": store["project"].pk,
        "kit_type": store["shelter"].pk,
        "quantity": 500,
        "occurred_on": "2024-06-28",
        "reference": "WB-1",
        "distribution": store["distribution"].pk,
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Only 450 kits" in str(refused.context["form"].errors["quantity"])
    assert client.post(url, {**data, "quantity": 40}).status_code == 302
    assert StockBalance.objects.get(warehouse=store["warehouse"], kit_type=store["shelter"]).on_hand == 410
    for _ in range(5):
        move(store, MovementKind.RECEIVED, 1, reference="PO")
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200 and "WB-1" in page.content.decode()


def test_the_field_screen_shows_kits_on_site_and_warns_beyond_them(client, store):
    client.force_login(store["officer"])
    move(store, MovementKind.DISPATCHED, 1, reference="WB-1", distribution=store["distribution"])
    screen = reverse("distributions:screen", args=[store["distribution"].pk])
    assert "Kits on site" in client.get(screen).content.decode()
    for _ in range(2):  # the second is beyond what was dispatched: recorded, with a warning
        household = factories.household(store["site"], registered_by=store["officer"])
        url = reverse("distributions:receive", args=[store["distribution"].pk, household.pk])
        data = {"kit_types": ["ESK"], "verification_method": "registration_code", "batch": str(uuid.uuid4())}
        answer = client.post(url, data, follow=True)
    assert Receipt.objects.filter(distribution=store["distribution"]).count() == 2
    assert "1 more handed out than dispatched to this site" in answer.content.decode()


def test_the_officer_reconciles_on_the_page(client, store, django_assert_max_num_queries):
    distribution = store["distribution"]
    client.force_login(store["officer"])
    move(store, MovementKind.DISPATCHED, 10, reference="WB-1", distribution=distribution)
    url = reverse("distributions:reconciliation", args=[distribution.pk])
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
    site = reverse("distributions:site-movement", args=[distribution.pk])
    form = {"kind": "returned", "kit_type": "ESK", "quantity": 11, "occurred_on": "2024-07-18"}
    assert client.post(site, form).status_code == 400  # more than is left there
    assert client.post(site, {**form, "quantity": 3}).status_code == 302
    returned = StockMovement.objects.get(kind=MovementKind.RETURNED)
    assert (returned.warehouse, returned.recorded_by) == (store["warehouse"], store["officer"])
    explain = reverse("distributions:explain-variance", args=[distribution.pk])
    assert client.post(explain, {"kit_type": "ESK", "explanation": ""}).status_code == 400
    assert (
        client.post(explain, {"kit_type": "ESK", "explanation": "Seven kits on the second truck."}).status_code == 302
    )
    assert "Seven kits on the second truck." in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "stock reconciliation"), ("fr", "rapprochement du stock"), ("ar", "مطابقة المخزون")],
)
def test_the_reconciliation_prints_in_three_languages(client, store, language, title):
    move(store, MovementKind.DISPATCHED, 10, reference="WB-1", distribution=store["distribution"])
    store["officer"].preferred_language = language
    store["officer"].save()
    client.force_login(store["officer"])
    answer = client.get(reverse("dashboard:reconciliation-pdf", args=[store["distribution"].pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = unicodedata.normalize(
        "NFKC", "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    )
    assert title in text or title in text[::-1]
