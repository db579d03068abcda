"""Issue 16 in Chromium: one screen per household, right in Arabic and French, cards, local times."""

import json
import re

import pytest
from playwright.sync_api import expect

from distributions.services import record_receipt
from tests import factories
from tests.field.browser.phone import choose_language, screen_url
from tests.field.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser

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
