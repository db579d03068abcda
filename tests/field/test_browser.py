"""The field officer's flows in Debian's Chromium at 360x740, with screenshots under test-artifacts/."""

import json
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Role
from distributions.models import Receipt
from distributions.services import record_receipt
from tests import factories
from tests.field.conftest import ARTIFACTS, AXE, sign_in

pytestmark = pytest.mark.browser

FIRST_LOAD_BUDGET = 100 * 1024
ACTION_BUDGET = 10 * 1024


@pytest.fixture
def mopti(mopti):
    """The test operation with the names the README's screenshots show."""
    mopti["shelter"].name = "Emergency shelter kit"
    mopti["nfi"].name = "NFI kit"
    mopti["distribution"].name = "Mopti urban, July 2024: Walirdé"
    for obj in (mopti["shelter"], mopti["nfi"], mopti["distribution"]):
        obj.save()
    return mopti


def screen_url(server, distribution) -> str:
    return f"{server.url}/field/{distribution.pk}/"


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


# ---- Issue 16: offline that never loses a record, right in Arabic, one screen per household.

READ_PHONE_DB = """async () => {
  const names = (await indexedDB.databases()).map((entry) => entry.name);
  if (!names.includes("field")) return null;
  const handle = await new Promise((resolve, reject) => {
    const request = indexedDB.open("field");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const stores = {};
  for (const name of handle.objectStoreNames) {
    stores[name] = await new Promise((resolve) => {
      const request = handle.transaction(name).objectStore(name).getAll();
      request.onsuccess = () => resolve(request.result);
    });
  }
  handle.close();
  return stores;
}"""


def phone_db(page) -> dict | None:
    """What the phone keeps in IndexedDB: {store: [records]}, None when there is no database."""
    return page.evaluate(READ_PHONE_DB)


def _today_distribution(mopti):
    from django.utils import timezone

    distribution = mopti["distribution"]
    today = timezone.localdate()
    distribution.planned_start, distribution.planned_end = today, today
    distribution.save()
    return distribution


def choose_language(page, language: str) -> None:
    """Switch the screen to `language` with the footer's buttons (English is the browser's)."""
    if language != "en":
        page.click(f"footer button[lang={language}]")
        page.wait_for_load_state()


def field_word(page, key: str, **values) -> str:
    """A status message of the field script, as the page carries it in its language (templates/field/_sync.html)."""
    text = page.locator("#field-i18n").get_attribute(f"data-{key}")
    for name, value in values.items():
        text = text.replace(f"%({name})s", str(value))
    return text


SIGN_OUT = "header form.inline button[type=submit]"


def _ready_offline(page, server, distribution) -> None:
    """Open the distribution (its household list kept on the phone) and the register page, online."""
    page.goto(screen_url(server, distribution))
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "async () => {"
        " const db = await new Promise((r) => { const q = indexedDB.open('field'); q.onsuccess = () => r(q.result); });"
        " const count = db.transaction('lists').objectStore('lists').count();"
        " const n = await new Promise((r) => { count.onsuccess = () => r(count.result); });"
        " db.close(); return n > 0; }"
    )


DRAFT_WORDS = {
    "en": {
        "birth year": "birth year between",
        "members": "at least one member",
        "kept": "Kept on this phone",
        "draft": "kept on this phone as a draft",
        "duplicate": "looks like household",
        "synced": "Synced",
    },
    "ar": {
        "birth year": "أدخل سنة ميلاد بين",
        "members": "للأسرة فرد واحد على الأقل",
        "kept": "محفوظ على هذا الهاتف",
        "draft": "كمسودة",
        "duplicate": "تشبه هذه الأسرة",
        "synced": "تمت المزامنة",
    },
}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_offline_registration_refused_by_the_server_is_kept_as_a_draft_and_fixed(
    field_server, page, mopti, shoot, language
):
    from beneficiaries.models import Household

    words = DRAFT_WORDS[language]

    _today_distribution(mopti)
    known = factories.household(mopti["site"], head_name="Aminata Kané", phone="+223 76 11 22 33")
    sign_in(page, field_server, "officer")
    if language != "en":
        page.click(f"footer button[lang={language}]")
        page.wait_for_load_state()
    _ready_offline(page, field_server, mopti["distribution"])
    page.click("a[href*='/field/households/new/']")
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)

    # Checked on the phone first, with the server's rules: every error at once, beside its field.
    page.fill("#id_head_birth_year", "2090")
    page.click("#register-form button[type=submit]")
    expect(page.locator("#id_head_name_error")).to_be_visible()
    expect(page.locator("#id_head_birth_year_error")).to_contain_text(words["birth year"])
    expect(page.locator("#members_error")).to_contain_text(words["members"])
    expect(page.locator("#id_consent_given_error")).to_be_visible()
    shoot(page, f"16-offline-registration-all-errors-{language}")
    assert not (phone_db(page) or {}).get("queue")

    # The same household as one already registered: only the server can see it is a probable duplicate.
    page.fill("#id_head_name", known.head_name)
    page.check("#id_head_sex_0")
    page.fill("#id_head_birth_year", str(known.head_birth_year))
    page.select_option("#id_displacement_status", "idp")
    page.fill("#id_females_18_59", "1")
    page.fill("#id_females_6_17", "2")
    page.fill("#id_males_0_5", "1")
    page.check("#id_woman_headed")
    page.fill("#id_phone", known.phone)
    page.check("#id_consent_given")
    page.click("#register-form button[type=submit]")
    page.uncheck(".offline-household input[value=NFI]")
    page.click(".offline-household button[type=submit]")
    expect(page.locator(".offline-household .ok").last).to_contain_text(words["kept"])
    assert len(phone_db(page)["queue"]) == 2

    # The server answers 409 (still in progress), then 503: nothing leaves the phone.
    answers = iter([409, 503])

    def busy(route):
        status = next(answers, None)
        if status is None:
            route.continue_()
        else:
            route.fulfill(status=status, content_type="application/problem+json", body='{"detail": "busy"}')

    page.route("**/api/v1/households/", busy)
    page.context.set_offline(False)
    page.wait_for_timeout(1500)
    assert len(phone_db(page)["queue"]) == 2
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)
    assert len(phone_db(page)["queue"]) == 2
    assert Household.objects.count() == 1

    # Then the server refuses it: kept as a draft with its receipt, the reason shown, the officer corrects it.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#conflicts .draft-notice")).to_contain_text(words["draft"])
    queue = phone_db(page)["queue"]
    assert {item["kind"] for item in queue} == {"household", "receipt"}
    assert next(item for item in queue if item["kind"] == "household")["state"] == "refused"
    shoot(page, f"17-draft-notice-{language}")
    page.click("#conflicts .draft-notice a")
    expect(page.locator("#id_head_name_error")).to_contain_text(words["duplicate"])
    expect(page.locator("#id_head_name")).to_have_value(known.head_name)
    shoot(page, f"18-draft-with-reason-{language}")
    page.fill("#id_head_name", "Aminata Koné")
    page.fill("#id_head_birth_year", "1992")
    page.fill("#id_phone", "+223 76 99 88 77")
    page.click("#register-form button[type=submit]")
    expect(page.locator("#sync")).to_contain_text(words["synced"])
    registered = Household.objects.get(head_name="Aminata Koné")
    assert registered.receipts.count() == 1
    assert not phone_db(page)["queue"]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_receipt_recorded_offline_before_closing_syncs_late_and_shows_on_the_page(
    field_server, page, mopti, shoot, language
):
    distribution = _today_distribution(mopti)
    household = factories.household(mopti["site"], head_name="Famille Guindo")
    sign_in(page, field_server, "officer")
    choose_language(page, language)
    _ready_offline(page, field_server, distribution)
    page.context.set_offline(True)
    page.fill("#q", household.registration_code)
    page.click(f"#results >> text={household.display_code}")
    page.uncheck(".offline-household input[value=NFI]")
    page.click(".offline-household button[type=submit]")
    expect(page.locator("#sync")).to_contain_text(field_word(page, "waiting", count=1))

    # A manager closes the distribution while the phone is offline.
    distribution.status = "completed"
    distribution.save()
    page.context.set_offline(False)
    expect(page.locator("#sync")).to_contain_text(field_word(page, "synced", count=1))
    receipt = Receipt.objects.get(household=household)
    assert receipt.late_sync
    page.goto(screen_url(field_server, distribution))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".sync-report h3")).to_contain_text("1")
    expect(page.locator(".late-syncs li")).to_have_count(1)
    expect(page.locator(".late-syncs")).to_contain_text(household.display_code)
    shoot(page, "19-late-sync-on-the-page" if language == "en" else f"19-late-sync-on-the-page-{language}")
    # The phone keeps only what current work needs: the closed distribution's list goes at the picker.
    page.goto(f"{field_server.url}/field/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert [entry["distribution"] for entry in phone_db(page)["lists"]] == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_sign_out_and_session_expiry_wipe_the_household_lists(field_server, page, mopti, language):
    _today_distribution(mopti)
    household = factories.household(mopti["site"], head_name="Famille Kassogué")
    sign_in(page, field_server, "officer")
    choose_language(page, language)
    _ready_offline(page, field_server, mopti["distribution"])
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert phone_db(page)["lists"][0]["households"]

    # Session expiry: the list goes at the next answer that says so; what waits to be sent stays.
    page.context.set_offline(True)
    page.fill("#q", household.registration_code)
    page.click(f"#results >> text={household.display_code}")
    # The offline form's layout: each box beside its label, the offline notice above the form, not over it.
    for box_selector in (".offline-household input[value=ESK]", ".offline-household input[type=radio]:checked"):
        box = page.locator(box_selector).bounding_box()
        label = page.locator(box_selector).evaluate("(input) => input.labels[0].getBoundingClientRect().toJSON()")
        assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 12, (box, label)
        banner = page.locator("#sync").bounding_box()
        assert banner["y"] + banner["height"] <= box["y"] or banner["y"] >= box["y"] + box["height"]
    page.click(".offline-household button[type=submit]")
    # Every kit given: opened again, no record button.
    page.fill("#q", "")
    page.fill("#q", household.registration_code)
    page.click(f"#results .results >> text={household.display_code}")
    expect(page.locator(".offline-household")).to_contain_text(field_word(page, "every-kit"))
    expect(page.locator(".offline-household button[type=submit]")).to_have_count(0)
    page.context.clear_cookies()
    page.context.set_offline(False)
    expect(page.locator("#sync")).to_contain_text(field_word(page, "expired"))
    stored = phone_db(page)
    assert stored["lists"] == [] and len(stored["queue"]) == 2
    page.goto(f"{field_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")
    assert phone_db(page)["lists"] == []

    # Signed in again: the receipts are sent; signing out leaves no database on the phone.
    sign_in(page, field_server, "officer")
    page.goto(screen_url(field_server, mopti["distribution"]))
    expect(page.locator("#sync")).to_contain_text(field_word(page, "synced", count=1))
    assert household.receipts.count() == 2
    page.click(SIGN_OUT)
    page.wait_for_url(f"{field_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")
    stored = phone_db(page)
    assert stored is None or not any(stored.values()), stored


ORDER_ON_SCREEN = """(node) => {
  // The characters of `node` (digits and + only) as drawn, left to right, from their boxes on the screen.
  const drawn = [];
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode;
    for (let index = 0; index < text.length; index++) {
      if (!/[0-9+]/.test(text.data[index])) continue;
      const range = document.createRange();
      range.setStart(text, index);
      range.setEnd(text, index + 1);
      const box = range.getBoundingClientRect();
      drawn.push([Math.round(box.top / 4), box.left, text.data[index]]);
    }
  }
  // Line by line (top to bottom), then left to right on each line.
  return drawn.sort((a, b) => (a[0] - b[0]) || (a[1] - b[1])).map((pair) => pair[2]).join("");
}"""


def test_arabic_reads_numbers_codes_phones_and_ranges_as_written(field_server, page, mopti, shoot):
    household = factories.household(mopti["site"], head_name="عائلة أحمد", phone="+964 750 679 2418")
    sign_in(page, field_server, "officer")
    page.goto(screen_url(field_server, mopti["distribution"]))
    page.click("footer button[lang=ar]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.fill("#q", "عائلة")
    result = page.locator("#results li").first
    expect(result).to_contain_text("2418")
    # Read as drawn on the screen, left to right: the phone and the code as written.
    assert "+9647506792418" in result.evaluate(ORDER_ON_SCREEN)
    code_digits = "".join(char for char in household.display_code if char.isdigit())
    assert result.locator(".code").evaluate(ORDER_ON_SCREEN) == code_digits
    shoot(page, "20-arabic-results")
    result.click()
    arrow = page.locator(".back-arrow").evaluate("(node) => getComputedStyle(node, '::before').content")
    assert arrow == '"→"'
    page.goto(f"{field_server.url}/field/households/new/?distribution={mopti['distribution'].pk}")
    assert page.locator("label[for=id_females_60_plus]").evaluate(ORDER_ON_SCREEN) == "60+"
    assert page.locator("label[for=id_males_18_59]").evaluate(ORDER_ON_SCREEN) == "1859"
    shoot(page, "21-arabic-register")
    page.click("footer button[lang=en]")
    arrow = page.locator(".back-arrow").evaluate("(node) => getComputedStyle(node, '::before').content")
    assert arrow == '"←"'


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_a_household_with_a_card_is_served_in_two_taps_on_one_screen(field_server, page, mopti, shoot, language):
    for number in range(30):
        factories.household(mopti["site"], head_name=f"Household {number}")
    household = factories.household(mopti["site"], head_name="Kadiatou Sidibé")
    sign_in(page, field_server, "officer")
    page.goto(screen_url(field_server, mopti["distribution"]))
    if language != "en":
        page.click(f"footer button[lang={language}]")
        page.wait_for_load_state()
    taps = 0
    # The card's code, typed or scanned into the search box (no tap counted: the box has the focus).
    page.fill("#q", household.registration_code)
    first = page.locator("#results a").first
    first.wait_for()
    # Above a phone's keyboard (about 300 px of a 740 px screen).
    assert first.bounding_box()["y"] + first.bounding_box()["height"] <= 440
    first.click()
    taps += 1
    record = page.locator("form.receive button[type=submit]")
    box = record.bounding_box()
    assert box["y"] + box["height"] <= 740, box  # no scrolling
    assert page.evaluate("window.scrollY") == 0
    shoot(page, f"22-one-screen-household-{language}")
    record.click()
    taps += 1
    expect(page.locator(".messages .success")).to_contain_text(household.display_code)
    assert taps == 2 and household.receipts.count() == 2
    # Found again, it carries the "already received" mark.
    page.fill("#q", household.registration_code)
    expect(page.locator("#results a .served").first).to_be_visible()
    (ARTIFACTS / f"taps-per-household-{language}.json").write_text(json.dumps({"taps": taps}))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_proxy_name_only_when_proxy_is_the_method(field_server, page, mopti, language):
    household = factories.household(mopti["site"])
    sign_in(page, field_server, "officer")
    page.goto(f"{screen_url(field_server, mopti['distribution'])}households/{household.pk}/")
    choose_language(page, language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#id_proxy_name")).to_be_hidden()
    page.check("input[name=verification_method][value=proxy]")
    expect(page.locator("#id_proxy_name")).to_be_visible()


def test_void_reads_invalider_in_french(field_server, page, mopti):
    household = factories.household(mopti["site"])
    record_receipt(
        recorded_by=mopti["officer"],
        distribution=mopti["distribution"],
        household=household,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
    )
    sign_in(page, field_server, "officer")
    page.goto(f"{screen_url(field_server, mopti['distribution'])}households/{household.pk}/")
    page.click("footer button[lang=fr]")
    expect(page.locator("a.void")).to_have_text("Invalider")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_cards_show_the_size_the_head_name_where_allowed_and_one_prints_from_the_household_page(
    field_server, page, mopti, shoot, language
):
    import io

    from pypdf import PdfReader

    household = factories.household(mopti["site"], head_name="Mariam Dembélé")
    smaller = factories.household(mopti["site"], head_name="Oumou Sangaré", males_0_5=0)
    sign_in(page, field_server, "officer")
    choose_language(page, language)

    # From the picker, the cards page opens on the officer's current site.
    page.goto(f"{field_server.url}/field/")
    page.click("main a[href$='/cards/']")
    expect(page.locator("#site")).to_have_value(str(mopti["site"].pk))
    page.click("main form button[type=submit]")
    cards = page.locator(".card")
    expect(cards).to_have_count(2)
    card = cards.filter(has_text=household.display_code)
    expect(card.locator(".card-size")).to_contain_text(str(household.household_size))
    assert (household.household_size, smaller.household_size) == (4, 3)
    expect(cards.filter(has_text=smaller.display_code).locator(".card-size")).to_contain_text("3")
    # The project does not allow the head's name on cards (the default): no name on any card.
    expect(page.locator(".card-name")).to_have_count(0)
    assert household.head_name not in page.locator(".cards").inner_text()

    mopti["project"].cards_show_head_name = True
    mopti["project"].save()
    page.reload()
    expect(card.locator(".card-name")).to_have_text(household.head_name)
    shoot(page, f"23-cards-{language}")

    # One card printed from the household page: only that card, the page's chrome hidden on paper.
    page.goto(f"{screen_url(field_server, mopti['distribution'])}households/{household.pk}/")
    page.click(f"main a[href$='/cards/?household={household.pk}']")
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card")).to_contain_text(household.display_code)
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("h1.noprint")).to_be_hidden()
    expect(page.locator(".card")).to_be_visible()
    printed = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert len(printed.pages) == 1
    text = printed.pages[0].extract_text()
    assert household.head_name.split()[0] in text
    assert "".join(char for char in household.display_code if char.isdigit()) in "".join(
        char for char in text if char.isdigit()
    )


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_field_screens_show_the_sites_local_time_with_day_first_dates(field_server, page, mopti, language):
    import datetime as dt

    from django.utils import timezone

    from sites.models import Site

    Site.objects.filter(pk=mopti["site"].pk).update(time_zone="Asia/Baghdad")  # UTC+3; the server's is Bamako (UTC)
    distribution = mopti["distribution"]
    distribution.planned_start, distribution.planned_end = dt.date(2024, 7, 3), dt.date(2024, 7, 13)
    distribution.save()
    household = factories.household(mopti["site"])
    # 22:30 UTC on 2 July is 01:30 on 3 July at the site.
    record_receipt(
        recorded_by=mopti["officer"],
        distribution=distribution,
        household=household,
        kit_type=mopti["shelter"],
        verification_method="thumbprint",
        received_at=timezone.make_aware(dt.datetime(2024, 7, 2, 22, 30), dt.UTC),
    )
    sign_in(page, field_server, "officer")
    choose_language(page, language)
    page.goto(f"{field_server.url}/field/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    dates = page.locator(f"main a[href*='/field/{distribution.pk}/'] bdi").inner_text()
    assert re.sub(r"\s", "", dates) == "03/07/2024–13/07/2024", dates  # day first: 13 is no month

    page.goto(f"{screen_url(field_server, distribution)}households/{household.pk}/")
    received = page.locator("main .ok").first.inner_text()
    # Day, month's name in the language, year, then the site's time: "3 July 2024, 01:30", "3 juillet 2024 01:30",
    # "3 يوليو 2024، 01:30".
    assert re.search(r"(?<!\d)3\s+\S+\s+2024\W{1,3}01:30", received), received
    assert "22:30" not in received and not re.search(r"(?<!\d)2\s+\S+\s+2024", received), received
