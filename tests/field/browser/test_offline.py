"""Issue 16 in Chromium: offline that never loses a record (drafts, late syncs, wiping lists at sign-out)."""

import pytest
from playwright.sync_api import expect

from distributions.models import Receipt
from tests import factories
from tests.field.browser.phone import (
    DRAFT_WORDS,
    SIGN_OUT,
    choose_language,
    field_word,
    phone_db,
    ready_offline,
    screen_url,
    today_distribution,
)
from tests.field.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "ar"])
def test_offline_registration_refused_by_the_server_is_kept_as_a_draft_and_fixed(
    field_server, page, mopti, shoot, language
):
    from beneficiaries.models import Household

    words = DRAFT_WORDS[language]

    today_distribution(mopti)
    known = factories.household(mopti["site"], head_name="Aminata Kané", phone="+223 76 11 22 33")
    sign_in(page, field_server, "officer")
    if language != "en":
        page.click(f"footer button[lang={language}]")
        page.wait_for_load_state()
    ready_offline(page, field_server, mopti["distribution"])
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
    distribution = today_distribution(mopti)
    household = factories.household(mopti["site"], head_name="Famille Guindo")
    sign_in(page, field_server, "officer")
    choose_language(page, language)
    ready_offline(page, field_server, distribution)
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
    today_distribution(mopti)
    household = factories.household(mopti["site"], head_name="Famille Kassogué")
    sign_in(page, field_server, "officer")
    choose_language(page, language)
    ready_offline(page, field_server, mopti["distribution"])
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
    # The sync starts once the screen has loaded its list and the list's changes (issue 19): on a loaded CI
    # machine that took longer than the default 5 s.
    expect(page.locator("#sync")).to_contain_text(field_word(page, "synced", count=1), timeout=20_000)
    assert household.receipts.count() == 2
    page.click(SIGN_OUT)
    page.wait_for_url(f"{field_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")
    stored = phone_db(page)
    assert stored is None or not any(stored.values()), stored
