"""Charts that say something (issue 15): one per measure with a y-axis, the target and expected-by-now lines,
laid out left to right in every language (Arabic labels not clipped), numbers and "60+" isolated."""

import datetime
import re

from django.urls import reverse
from django.utils import translation

from accounts.models import User
from projects import charts

DAYS = [(datetime.date(2024, 7, 1), 10), (datetime.date(2024, 7, 15), 60), (datetime.date(2024, 7, 31), 100)]


def test_a_cumulative_chart_has_an_axis_in_its_unit_and_target_lines():
    svg = str(charts.cumulative_chart(charts.Series("Kits", DAYS, "kits"), target=450, expected=150))
    assert 'direction="ltr"' in svg
    ticks = re.findall(r'class="tick y" text-anchor="end">\u2066([^<]*)\u2069<', svg)
    assert ticks == ["0", "250", "500"]  # 0, half and a round top above the target
    assert 'class="goal target"' in svg and "Target: \u2066450\u2069" in svg
    assert 'class="goal expected"' in svg and "Expected by now: \u2066150\u2069" in svg
    assert "Kits: \u2066100\u2069" in svg  # the unit and the last value
    target_y = float(re.search(r'y1="([\d.]+)"[^>]*class="goal target"', svg).group(1))
    top_y = float(re.search(r'points="[^"]* [\d.]+,([\d.]+)"', svg).group(1))
    assert target_y < top_y  # 450 drawn above 100 (SVG's y grows downwards)


def test_the_pyramid_isolates_its_bands_and_numbers_in_arabic():
    reach = {f"{sex}_{band}": 12 for sex in ("females", "males") for band in ("0_5", "6_17", "18_59", "60_plus")}
    with translation.override("ar"):
        svg = str(charts.pyramid(reach))
    assert 'direction="ltr"' in svg  # numbers beside the bars, not drawn over them
    assert ">\u206660+\u2069<" in svg and ">\u206612\u2069<" in svg


def test_the_dashboard_draws_kits_and_households_apart_with_the_kits_target(demo, client):
    client.force_login(User.objects.get(username="manager"))
    for language in ("en", "ar"):
        page = client.get(reverse("dashboard:project", args=[demo.pk]), HTTP_ACCEPT_LANGUAGE=language)
        html = page.content.decode()
        assert html.count('class="chart cumulative"') == 2, language
        # The kits' target (the kit types' summed); Mopti has no households target, so no line there.
        assert html.count('class="goal target"') == 1 and html.count('class="goal expected"') == 1
