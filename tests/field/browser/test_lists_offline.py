"""Issue 19 offline, in Chromium: the approved list on the phone says who is on it, a household off it is refused
until a supervisor overrides with a reason, and the override syncs before the receipt it lets through."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from distributions.lists import services
from distributions.lists.models import ListChange
from distributions.models import Receipt
from tests import factories
from tests.field.browser.phone import phone_db, screen_url, today_distribution
from tests.field.conftest import sign_in

pytestmark = pytest.mark.browser


def wait_until(page, ready, seconds: float = 20) -> None:
    """Poll the phone's IndexedDB until `ready(stores)` holds (an async page function would be truthy at once)."""
    for _attempt in range(int(seconds * 5)):
        stores = phone_db(page) or {}
        if ready(stores):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the phone never got there: {stores}")


def test_the_list_on_the_phone_serves_refuses_and_overrides_offline(field_server, page, mopti):
    today_distribution(mopti)
    listed = factories.household(mopti["site"], head_name="Famille Ba", woman_headed=True)
    stranger = factories.household(
        mopti["site"], head_name="Famille Sow", woman_headed=False, head_sex="M", females_18_59=0, males_18_59=1
    )
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]])
    dlist = services.save_list(
        mopti["distribution"],
        by=manager,
        criteria={"sites": [mopti["site"].pk], "vulnerability_any": ["woman_headed"]},
        rules={},
        supervisors=[mopti["officer"]],
    )
    services.approve_list(dlist, approved_by=manager)

    sign_in(page, field_server, "officer")
    page.goto(screen_url(field_server, mopti["distribution"]))
    page.wait_for_load_state("networkidle")
    wait_until(page, lambda db: any(entry.get("listed") for entry in db.get("lists", [])))
    page.context.set_offline(True)

    page.fill("#q", listed.registration_code)
    page.click(f"#results >> text={listed.display_code}")
    expect(page.locator(".offline-household .on-list")).to_contain_text("On the list")
    page.click("button:has-text('Record receipt')")
    expect(page.locator(".offline-household .ok").last).to_be_visible()

    page.fill("#q", stranger.registration_code)
    page.click(f"#results >> text={stranger.display_code}")
    expect(page.locator(".offline-household .not-on-list")).to_contain_text("Not on the list")
    expect(page.locator(".offline-household button:has-text('Record receipt')")).to_have_count(0)
    page.fill("#offline-override", "Registered late, confirmed by the site focal point")
    page.click("button:has-text('Override (supervisor)')")
    page.click("button:has-text('Record receipt')")
    expect(page.locator(".offline-household .ok").last).to_be_visible()
    kinds = sorted(item["kind"] for item in phone_db(page)["queue"])
    assert kinds == ["override", "receipt", "receipt", "receipt", "receipt"]  # two kits each
    assert not Receipt.objects.exists()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, lambda db: not db.get("queue"))
    assert not phone_db(page).get("conflicts"), phone_db(page)["conflicts"]
    change = ListChange.objects.get(dlist=dlist, kind="override")
    assert change.household == stranger and "focal point" in change.reason
    assert set(Receipt.objects.values_list("household_id", flat=True)) == {listed.pk, stranger.pk}
