"""The field officer's main flows in Chromium: sign in, find, record, refuse, register, void; the offline
queue; Arabic; page weight; axe."""

import json
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Role
from distributions.models import Receipt
from distributions.services import record_receipt
from tests import factories
from tests.field.browser.phone import screen_url
from tests.field.conftest import ARTIFACTS, AXE, sign_in

pytestmark = pytest.mark.browser

FIRST_LOAD_BUDGET = 100 * 1024
ACTION_BUDGET = 10 * 1024


def test_sign_in_find_record_refuse_register_and_void(field_server, page, mopti, shoot):
    household = factories.household(mopti["site"], head_name="Aminata Kané")
    other = factories.household(mopti["site"], head_name="Boubacar Maïga")
    colleague = factories.user(Role.FIELD_OFFICER, sites=[mopti["site"]], first_name="Awa", last_name="Touré")

    sign_in(page, field_server, "officer")
    shoot(page, "01-picker")
    page.click(f"text={mopti['distribution'].name}")
    page.wait_for_url(screen_url(field_server, mopti["distribution"]))
    shoot(page, "distribution-en", readme=True)

    # Find by code as typed (lower case, no dashes): results arrive while typing.
    page.fill("#q", household.registration_code.lower())
    page.click(f"#results >> text={household.display_code}")
    expect(page.locator("h1")).to_have_text("Aminata Kané")
    shoot(page, "02-household")
    page.click("button:has-text('Record receipt')")
    expect(page.locator(".messages .success")).to_contain_text(household.display_code)
    expect(page.locator("table.progress")).to_contain_text("1 / 100")
    shoot(page, "03-recorded")
    assert Receipt.objects.filter(household=household).count() == 2

    # Another officer serves the second household while this page is open: refused, naming when and whom.
    page.fill("#q", "Maïga")
    page.click("#results >> text=Boubacar Maïga")
    record_receipt(
        recorded_by=colleague,
        distribution=mopti["distribution"],
        household=other,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
    )
    page.click("button:has-text('Record receipt')")
    expect(page.locator(".messages .error")).to_contain_text("recorded by Awa Touré")
    shoot(page, "04-duplicate-refused")
    assert Receipt.objects.filter(household=other).count() == 2  # the colleague's shelter kit, and the NFI kit

    # Register a household; a validation error is shown beside its field, corrected, then its receipt.
    page.goto(screen_url(field_server, mopti["distribution"]))
    page.click("text=Register a new household")
    page.fill("#id_head_name", "Mariam Diarra")
    page.check("#id_head_sex_0")
    page.fill("#id_head_birth_year", "1890")
    page.select_option("#id_displacement_status", "idp")
    page.fill("#id_females_18_59", "1")
    page.fill("#id_males_6_17", "2")
    page.check("#id_consent_given")
    page.click("button:has-text('Register')")
    error = page.locator("#id_head_birth_year_error")
    expect(error).to_contain_text("birth year")
    expect(page.locator("#id_head_birth_year")).to_have_attribute("aria-invalid", "true")
    shoot(page, "05-registration-error")
    page.fill("#id_head_birth_year", "1990")
    page.click("button:has-text('Register')")
    expect(page.locator("h1")).to_have_text("Mariam Diarra")
    page.click("button:has-text('Record receipt')")
    registered = mopti["site"].households.get(head_name="Mariam Diarra")
    assert registered.receipts.count() == 2

    # Void a receipt recorded by mistake; the history shows the receipt and its void.
    page.goto(f"{screen_url(field_server, mopti['distribution'])}households/{household.pk}/")
    page.locator("a.void").first.click()
    page.click("button:has-text('Void this receipt')")
    expect(page.locator("#id_reason_error")).to_be_visible()
    page.fill("#id_reason", "Recorded for the wrong household")
    page.click("button:has-text('Void this receipt')")
    expect(page.locator(".messages .success")).to_contain_text("voided")
    page.click("text=History of this household")
    expect(page.locator("ul.history")).to_contain_text("Voided on")
    expect(page.locator("ul.history")).to_contain_text("Recorded for the wrong household")
    shoot(page, "06-history-with-void")
    assert Receipt.objects.filter(household=household, voided_at__isnull=False).count() == 1


def test_offline_receipts_queue_on_the_phone_and_sync_once(field_server, page, mopti, shoot):
    households = [
        factories.household(mopti["site"], head_name=f"Famille {name}")
        for name in ("Ba", "Coulibaly", "Dembélé", "Sow")
    ]
    colleague = factories.user(Role.FIELD_OFFICER, sites=[mopti["site"]], first_name="Awa", last_name="Touré")
    sign_in(page, field_server, "officer")
    page.goto(screen_url(field_server, mopti["distribution"]))
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null || true")
    page.wait_for_load_state("networkidle")

    page.context.set_offline(True)
    for household in households:
        page.fill("#q", household.registration_code)
        page.click(f"#results >> text={household.display_code}")
        page.uncheck(".offline-household input[value=NFI]")  # only the shelter kit: one receipt each
        page.click("button:has-text('Record receipt')")
        expect(page.locator(".offline-household .ok")).to_be_visible()
    expect(page.locator("#sync")).to_contain_text("Households waiting to sync: 4")
    shoot(page, "07-offline-waiting")
    assert not Receipt.objects.exists()

    # Meanwhile another officer, online, served the last household.
    record_receipt(
        recorded_by=colleague,
        distribution=mopti["distribution"],
        household=households[3],
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
    )
    page.context.set_offline(False)
    expect(page.locator("#sync")).to_contain_text("Synced: 3")
    expect(page.locator("#conflicts")).to_contain_text("Awa Touré")
    shoot(page, "08-synced-with-conflict")

    # Reloading (and syncing again) stores nothing twice.
    page.reload()
    page.wait_for_load_state("networkidle")
    mine = Receipt.objects.filter(recorded_by=mopti["officer"])
    assert mine.count() == 3
    assert sorted(mine.values_list("household__head_name", flat=True)) == [
        "Famille Ba",
        "Famille Coulibaly",
        "Famille Dembélé",
    ]


def test_arabic_is_right_to_left_translated_and_sticks(field_server, page, mopti, shoot):
    factories.household(mopti["site"])
    sign_in(page, field_server, "officer")
    page.goto(screen_url(field_server, mopti["distribution"]))
    page.click("footer button[lang=ar]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("label[for=q]")).to_have_text("البحث عن أسرة")
    shoot(page, "distribution-ar", readme=True)
    mopti["officer"].refresh_from_db()
    assert mopti["officer"].preferred_language == "ar"


def test_page_weight_of_the_distribution_screen(field_server, browser, mopti, meter):
    for number in range(50):
        factories.household(mopti["site"], head_name=f"Household {number}")
    household = factories.household(mopti["site"], head_name="Kadiatou Sidibé")
    # A phone that has never opened the app: empty cache, signed in by its session cookie alone.
    context = browser.new_context(viewport={"width": 360, "height": 740})
    client = Client()
    client.force_login(mopti["officer"])
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": field_server.url}])
    page = context.new_page()

    meter.reset()
    page.goto(screen_url(field_server, mopti["distribution"]))
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    first_load = meter.total
    first_load_parts = meter.by_path()

    actions, action_parts = {}, {}

    def measure(name, action):
        meter.reset()
        action()
        page.wait_for_load_state("networkidle")
        actions[name] = meter.total
        action_parts[name] = meter.by_path()

    measure(
        "search as you type",
        lambda: (page.fill("#q", "Sidibé"), page.locator("#results >> text=Kadiatou Sidibé").wait_for()),
    )
    measure("open a household", lambda: page.click("#results >> text=Kadiatou Sidibé"))
    measure(
        "record a receipt (post, redirect, screen)",
        lambda: (page.click("button:has-text('Record receipt')"), page.locator(".messages .success").wait_for()),
    )
    assert household.receipts.count() == 2
    context.close()

    ARTIFACTS.mkdir(exist_ok=True)
    report = {
        "first_load": first_load,
        "first_load_parts": first_load_parts,
        "actions": actions,
        "action_parts": action_parts,
    }
    (ARTIFACTS / "page-weight.json").write_text(json.dumps(report, indent=2))
    assert first_load <= FIRST_LOAD_BUDGET, report
    for action, size in actions.items():
        assert size <= ACTION_BUDGET, (action, report)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
def test_pages_pass_axe_without_serious_violations(field_server, page, mopti):
    household = factories.household(mopti["site"])
    served = factories.household(mopti["site"], head_name="Fanta Coulibaly")
    record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=served,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
    )
    sign_in(page, field_server, "officer")
    urls = [
        f"{field_server.url}/field/",
        f"{screen_url(field_server, mopti['distribution'])}?q=Coulibaly",
        f"{screen_url(field_server, mopti['distribution'])}households/{household.pk}/",
        f"{screen_url(field_server, mopti['distribution'])}households/{served.pk}/",
        f"{field_server.url}/field/households/new/?distribution={mopti['distribution'].pk}",
    ]
    found = {}
    for language in ("en", "ar"):
        for url in urls:
            page.goto(url)
            if language == "ar" and page.locator("html").get_attribute("dir") != "rtl":
                page.click("footer button[lang=ar]")
            if "/new/" in url:
                page.click("main button[type=submit]")  # the page with its errors shown
            # Evaluated through the DevTools protocol: the pages' CSP forbids an injected inline <script>.
            page.evaluate("() => {\n" + AXE.read_text() + "\n}")
            # Tap targets of at least 44x44 CSS px (axe's target-size rule, off by default, at 44 not 24).
            page.evaluate(
                "() => axe.configure({checks: [{id: 'target-size', options: {minSize: 44}},"
                " {id: 'target-offset', options: {minOffset: 44}}]})"
            )
            violations = page.evaluate(
                "async () => (await axe.run(document, {rules: {'target-size': {enabled: true}}})).violations"
            )
            serious = [
                f"{violation['id']}: {violation['help']} ({len(violation['nodes'])})"
                for violation in violations
                if violation["impact"] in ("serious", "critical")
            ]
            found[f"{language} {re.sub(r'^https?://[^/]+', '', url)}"] = serious
    assert not any(found.values()), found
