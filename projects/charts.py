"""Small SVG charts drawn on the server: the same markup goes to the dashboard and, as drawings, to the PDF.

No JavaScript and no chart library: a cumulative line chart, a sex-and-age pyramid and a
progress bar are a few dozen shapes each, and work on slow links and in print.
"""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

AGE_BANDS = (("60_plus", "60+"), ("18_59", "18-59"), ("6_17", "6-17"), ("0_5", "0-5"))


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[datetime.date, int]]
    css_class: str


def _scale(value: float, top: float, length: float) -> float:
    return round(length * value / top, 1) if top else 0.0


def cumulative_chart(series: list[Series], *, width: int = 640, height: int = 220) -> SafeString:
    """Lines of cumulative totals over time, one per series, each with its own vertical scale."""
    left, bottom, inner_w, inner_h = 8, height - 24, width - 16, height - 48
    dates = sorted({day for line in series for day, _value in line.points})
    if not dates:
        return format_html('<p class="empty">{}</p>', _("Nothing distributed yet in this selection."))
    first, span = dates[0], max((dates[-1] - dates[0]).days, 1)
    shapes = []
    for index, line in enumerate(series):
        top = max((value for _day, value in line.points), default=0)
        coordinates = " ".join(
            f"{left + _scale((day - first).days, span, inner_w)},{bottom - _scale(value, top, inner_h)}"
            for day, value in line.points
        )
        shapes.append(
            format_html(
                '<polyline class="{}" fill="none" points="{}"><title>{}</title></polyline>'
                '<text x="{}" y="{}" class="legend {}">{}: {}</text>',
                line.css_class,
                coordinates,
                line.label,
                left + index * (inner_w // 2),
                14,
                line.css_class,
                line.label,
                number_format(top, force_grouping=True),
            )
        )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/>'
        '<text x="{}" y="{}" class="tick">{}</text><text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        left,
        bottom,
        left + inner_w,
        bottom,
        left,
        height - 6,
        date_format(dates[0], "SHORT_DATE_FORMAT"),
        left + inner_w,
        height - 6,
        date_format(dates[-1], "SHORT_DATE_FORMAT"),
    )
    return format_html(
        '<svg class="chart cumulative" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}</svg>',
        width,
        height,
        _("Cumulative progress over time"),
        axis,
        mark_safe("".join(shapes)),  # noqa: S308 - each shape built with format_html
    )


def pyramid(reach: dict, *, width: int = 640, row_height: int = 30) -> SafeString:
    """Individuals reached by sex and age band: females to the left, males to the right."""
    middle, half, label_w = width // 2, width // 2 - 60, 50
    top = max((reach.get(f"{sex}_{band}", 0) for sex in ("females", "males") for band, _l in AGE_BANDS), default=0)
    rows = []
    for index, (band, label) in enumerate(AGE_BANDS):
        y = 24 + index * row_height
        females, males = reach.get(f"females_{band}", 0), reach.get(f"males_{band}", 0)
        f_len, m_len = _scale(females, top, half - label_w), _scale(males, top, half - label_w)
        rows.append(
            format_html(
                '<rect class="female" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>'
                '<rect class="male" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>'
                '<text x="{}" y="{}" text-anchor="middle" class="band">{}</text>'
                '<text x="{}" y="{}" text-anchor="end" class="value">{}</text>'
                '<text x="{}" y="{}" class="value">{}</text>',
                middle - label_w // 2 - f_len,
                y,
                f_len,
                row_height - 6,
                number_format(females, force_grouping=True),
                middle + label_w // 2,
                y,
                m_len,
                row_height - 6,
                number_format(males, force_grouping=True),
                middle,
                y + row_height // 2,
                label,
                middle - label_w // 2 - f_len - 4,
                y + row_height // 2,
                number_format(females, force_grouping=True),
                middle + label_w // 2 + m_len + 4,
                y + row_height // 2,
                number_format(males, force_grouping=True),
            )
        )
    height = 24 + len(AGE_BANDS) * row_height + 8
    headings = format_html(
        '<text x="{}" y="14" text-anchor="end" class="legend female">{}</text>'
        '<text x="{}" y="14" class="legend male">{}</text>',
        middle - 30,
        _("Female"),
        middle + 30,
        _("Male"),
    )
    return format_html(
        '<svg class="chart pyramid" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}</svg>',
        width,
        height,
        _("Individuals reached by sex and age"),
        headings,
        format_html_join("", "{}", ((row,) for row in rows)),
    )


def progress_bar(percent: float, expected_percent: float, *, width: int = 300, height: int = 18) -> SafeString:
    """Achieved as a filled bar, expected-by-now as a tick."""
    achieved = min(float(percent), 100.0)
    expected = min(float(expected_percent), 100.0)
    behind = float(percent) < float(expected_percent)
    return format_html(
        '<svg class="bar{}" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">'
        '<rect class="track" width="{}" height="{}"/><rect class="done" width="{}" height="{}"/>'
        '<line class="expected" x1="{}" x2="{}" y1="0" y2="{}"/></svg>',
        " behind" if behind else "",
        width,
        height,
        width,
        height,
        _("%(achieved)s%% achieved, %(expected)s%% expected by now")
        % {"achieved": number_format(percent, 1), "expected": number_format(expected_percent, 1)},
        width,
        height,
        round(width * achieved / 100, 1),
        height,
        round(width * expected / 100, 1),
        round(width * expected / 100, 1),
        height,
    )
