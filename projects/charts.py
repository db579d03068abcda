"""Small SVG charts drawn on the server: the same markup goes to the dashboard and, as drawings, to the PDF.

No JavaScript and no chart library: a cumulative line chart, a sex-and-age pyramid and a
progress bar are a few dozen shapes each, and work on slow links and in print.
"""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

AGE_BANDS = (("60_plus", "60+"), ("18_59", "18-59"), ("6_17", "6-17"), ("0_5", "0-5"))


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[datetime.date, int]]
    css_class: str


def _scale(value: float, top: float, length: float) -> float:
    return round(length * value / top, 1) if top else 0.0


# Numbers and ranges ("60+", "18-59", "1,200") isolated left to right with Unicode bidi marks (LRI ... PDI):
# in an Arabic page "60+" otherwise shows as "+60".
LRI, PDI = "\u2066", "\u2069"


def isolated(text) -> str:
    return f"{LRI}{text}{PDI}"


def _count(value: int) -> str:
    return isolated(number_format(value, force_grouping=True))


def nice_top(value: int) -> int:
    """The axis' top: the next 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def cumulative_chart(
    line: Series, *, target: int | None = None, expected: int | None = None, width: int = 640, height: int = 240
) -> SafeString:
    """One measure's cumulative total over time, with a y-axis in its unit (the series' label), and the
    target and the expected-by-now value as horizontal lines where given (one chart per measure: kits and
    households have different units). Laid out left to right in every language (direction="ltr"); text
    in Arabic still reads right to left, numbers and dates isolated."""
    left, right, top_margin, bottom_margin = 56, 16, 28, 28
    inner_w, inner_h = width - left - right, height - top_margin - bottom_margin
    bottom = height - bottom_margin
    dates = [day for day, _value in line.points]
    if not dates:
        return format_html('<p class="empty">{}</p>', _("Nothing distributed yet in this selection."))
    first, span = dates[0], max((dates[-1] - dates[0]).days, 1)
    top = nice_top(max([value for _day, value in line.points] + [target or 0, expected or 0]))
    coordinates = " ".join(
        f"{left + _scale((day - first).days, span, inner_w)},{bottom - _scale(value, top, inner_h)}"
        for day, value in line.points
    )
    ticks = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="grid"/>'
        '<text x="{}" y="{}" class="tick y" text-anchor="end">{}</text>',
        (
            (
                left,
                bottom - _scale(value, top, inner_h),
                left + inner_w,
                bottom - _scale(value, top, inner_h),
                left - 4,
                bottom - _scale(value, top, inner_h) + 4,
                _count(value),
            )
            for value in (0, top // 2, top)
        ),
    )
    goals = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="goal {}"/>'
        '<text x="{}" y="{}" class="legend goal {}" text-anchor="{}">{}</text>',
        (
            # The target's label at the right end, the expected one's at the left: apart when the lines are close.
            (left, y, left + inner_w, y, css, x, y - 4, css, anchor, f"{label}: {_count(value)}")
            for value, css, label, x, anchor in (
                (target, "target", _("Target"), left + inner_w, "end"),
                (expected, "expected", _("Expected by now"), left + 4, "start"),
            )
            if value
            for y in (bottom - _scale(value, top, inner_h),)
        ),
    )
    axes = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/><line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/>'
        '<text x="{}" y="{}" class="tick">{}</text><text x="{}" y="{}" class="tick" text-anchor="end">{}</text>'
        '<text x="{}" y="16" class="legend {}">{}</text>',
        left,
        bottom,
        left + inner_w,
        bottom,
        left,
        top_margin,
        left,
        bottom,
        left,
        height - 8,
        isolated(date_format(dates[0], "SHORT_DATE_FORMAT")),
        left + inner_w,
        height - 8,
        isolated(date_format(dates[-1], "SHORT_DATE_FORMAT")),
        left,
        line.css_class,
        f"{line.label}: {_count(line.points[-1][1])}",
    )
    return format_html(
        '<svg class="chart cumulative" viewBox="0 0 {} {}" direction="ltr" role="img" aria-label="{}">{}{}{}'
        '<polyline class="{}" fill="none" points="{}"><title>{}</title></polyline></svg>',
        width,
        height,
        _("%(measure)s over time, cumulative") % {"measure": line.label},
        ticks,
        axes,
        goals,
        line.css_class,
        coordinates,
        line.label,
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
                _count(females),
                middle + label_w // 2,
                y,
                m_len,
                row_height - 6,
                _count(males),
                middle,
                y + row_height // 2,
                isolated(label),
                middle - label_w // 2 - f_len - 4,
                y + row_height // 2,
                _count(females),
                middle + label_w // 2 + m_len + 4,
                y + row_height // 2,
                _count(males),
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
        '<svg class="chart pyramid" viewBox="0 0 {} {}" direction="ltr" role="img" aria-label="{}">{}{}</svg>',
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
