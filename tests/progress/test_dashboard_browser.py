"""The project dashboard in Chromium: no serious axe violation in English or Arabic, every site listed."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests import factories

# Fixtures of the field app's browser tests: Chromium's settings and a live server with production static files.
from tests.field.conftest import (  # noqa: F401
    ARTIFACTS,
    AXE,
    browser_context_args,
    browser_type_launch_args,
    field_server,
    production_static,
)
from tests.field.conftest import (
    SCREENSHOTS_FOR_README as SCREENSHOTS,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol: the pages' CSP forbids an injected inline <script>.
    page.evaluate("() => {\n" + AXE.read_text() + "\n}")
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])})"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


def test_dashboard_passes_axe_in_english_and_arabic(field_server, page, progress_fixture):  # noqa: F811
    factories.user(Role.PROGRAMME_MANAGER, projects=[progress_fixture["project"]], username="manager")
    page.goto(f"{field_server.url}/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "a-long-test-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    url = f"{field_server.url}{reverse('dashboard:project', args=[progress_fixture['project'].pk])}?sites=all"
    found = {}
    for language in ("en", "ar"):
        page.goto(url)
        if language == "ar":
            page.click("footer button[lang=ar]")
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("#sites tbody tr").count() == 2  # Walirdé and Ségou centre
        found[language] = serious_violations(page)
    assert not any(found.values()), found


OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const outside = (box) => box.width && (box.right > width + 1 || box.left < -1);
  const describe = (node, box) => `${node.tagName}.${node.className} ${Math.round(box.left)}-${Math.round(box.right)}`;
  return Array.from(document.querySelectorAll("main *"))
    .filter((node) => !node.closest(".table-scroll") || node.matches(".table-scroll"))
    .map((node) => [node, node.getBoundingClientRect()])
    .filter(([, box]) => outside(box))
    .map(([node, box]) => describe(node, box))
    .slice(0, 10);
}"""


def test_dashboard_is_usable_at_360_px_in_three_languages(field_server, page, progress_fixture):  # noqa: F811
    factories.user(Role.PROGRAMME_MANAGER, projects=[progress_fixture["project"]], username="manager")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{field_server.url}/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "a-long-test-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    url = f"{field_server.url}{reverse('dashboard:project', args=[progress_fixture['project'].pk])}"
    for language in ("en", "fr", "ar"):
        page.goto(url)
        page.click(f"footer button[lang={language}]")
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, (language, page.evaluate(OVERFLOWING))
        # The progress and status of each target on screen, not in a scrolled-away column.
        for cell in ("td.progress", "td.status"):
            box = page.locator(f"table.targets {cell}").first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, (language, cell, box)
        # Chart text readable: at least 10 CSS px high once the chart is scaled to the screen.
        heights = page.evaluate(
            "() => Array.from(document.querySelectorAll('svg.chart text'), (t) => t.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 10, (language, min(heights))
        page.screenshot(path=str(ARTIFACTS / f"dashboard-360-{language}.png"), full_page=True)
        # No chart label cut off by its chart's edge (Arabic labels were: "ال").
        clipped = page.evaluate(
            """() => Array.from(document.querySelectorAll('svg.chart text')).filter((t) => {
                const box = t.getBoundingClientRect(), chart = t.closest('svg').getBoundingClientRect();
                return box.left < chart.left - 1 || box.right > chart.right + 1;
            }).map((t) => t.textContent)"""
        )
        assert clipped == [], (language, clipped)
        if language == "ar":  # the README's picture of the charts
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("section:has(svg.chart.cumulative)").screenshot(
                path=str(SCREENSHOTS / "dashboard-chart-ar.png")
            )
