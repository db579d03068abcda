"""The donor's PDF: headline figures, targets, the cumulative chart and the sex-and-age pyramid (reportlab).

Written in the active language (the report's), right to left in Arabic, dates and numbers localised;
every string in an embedded font that has Latin and Arabic, shaped (projects/reports/pdf_text.py).
"""

import datetime
import io

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from config.names import row_in_language
from projects.charts import nice_top
from projects.disclosure import is_small_count, reach_figure, shown_running_totals, sites_withheld, suppressed_marker
from projects.reports import indicators, labels, pipeline
from projects.reports.pdf_text import (
    BOLD,
    FONT,
    long_date,
    paragraph,
    register_fonts,
    right_to_left,
    shaped,
    short_date,
)
from projects.targets import measure_goal

AGE_BANDS = (("0_5", "0-5"), ("6_17", "6-17"), ("18_59", "18-59"), ("60_plus", "60+"))
KITS_BLUE, HOUSEHOLDS_ORANGE = colors.HexColor("#1f5fa8"), colors.HexColor("#b35900")


def _number(value) -> str:
    """A count grouped as in the report's language ("12,345", "12 345"); text (the marker) as it is."""
    return number_format(value, force_grouping=True) if isinstance(value, int) else str(value)


def _table(rows: list[list], widths=None) -> Table:
    """A table whose first two columns are text and the others numbers; mirrored in a right-to-left language."""
    rows = [[shaped(cell) for cell in row] for row in rows]
    columns = len(rows[0])
    numbers = (2, 1, columns - 1, -1)  # (first column, first row, last column, last row)
    if right_to_left():
        rows = [list(reversed(row)) for row in rows]
        numbers = (0, 1, columns - 3, -1)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT" if right_to_left() else "LEFT"),
                ("ALIGN", numbers[:2], numbers[2:], "RIGHT"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return table


def _cumulative_charts(period: dict, cumulative: dict) -> list[Drawing]:
    """One chart per measure (kits, households: different units), each with its axis and target lines."""
    # Households: only running totals that grew by none or by at least the threshold (projects/disclosure.py).
    kits, households = (
        [(datetime.date.fromisoformat(row["bucket"]).toordinal(), row[key]) for row in rows if row[key] is not None]
        for rows, key in (
            (period["kits_over_time"], "cumulative_kits"),
            (shown_running_totals(period["reach_over_time"], "households", "individuals"), "cumulative_households"),
        )
    )
    if not (kits or households):
        drawing = Drawing(16 * cm, 1 * cm, initialFontName=FONT)
        drawing.add(_label(10, 10, _("Nothing distributed in this period.")))
        return [drawing]
    return [
        _measure_chart(line, title, color, measure_goal(cumulative["targets"], indicator))
        for line, title, color, indicator in (
            (kits, _("Kits (cumulative)"), KITS_BLUE, "kits_distributed"),
            (households, _("Households reached (cumulative)"), HOUSEHOLDS_ORANGE, "households_reached"),
        )
    ]


def _measure_chart(line: list[tuple[int, int]], title: str, color, goal: dict) -> Drawing:
    drawing = Drawing(16 * cm, 5.8 * cm, initialFontName=FONT)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 50, 20, 14 * cm, 3.8 * cm
    plot.data = [line or [(0, 0)]]
    plot.lines[0].strokeColor, plot.lines[0].strokeWidth = color, 2
    # All receipts on one day: the axis would otherwise span from day 0 (no date), and the build fail.
    days = [day for day, _value in line] or [0]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(days), max(max(days), min(days) + 1)
    top = nice_top(max([value for _day, value in line] + [goal.get("target", 0), goal.get("expected", 0)]))
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, top, top / 2
    plot.xValueAxis.labelTextFormat = lambda value: (
        shaped(short_date(datetime.date.fromordinal(int(value)))) if value >= 1 else ""
    )
    plot.yValueAxis.labelTextFormat = lambda value: shaped(_number(int(value)))
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = FONT
    drawing.add(plot)
    for key, label, dash in (("target", _("Target"), None), ("expected", _("Expected by now"), [4, 3])):
        if goal.get(key):
            y = plot.y + plot.height * goal[key] / top
            drawing.add(Line(plot.x, y, plot.x + plot.width, y, strokeColor=colors.black, strokeDashArray=dash))
            value = f"{label}: {_number(goal[key])}"
            drawing.add(_label(plot.x + plot.width, y + 3, value, textAnchor="end"))
    last = f"{title}: {_number(line[-1][1])}" if line else title
    drawing.add(_label(plot.x, plot.y + plot.height + 12, last, fillColor=color))
    return drawing


def _label(x: float, y: float, text: str, **style) -> String:
    """A chart's label in the embedded font, shaped."""
    return String(x, y, shaped(text), fontName=FONT, fontSize=9, **style)


def _reach_number(reach: dict, name: str) -> str:
    """A headline reach figure, or the marker where projects/disclosure.py withholds it."""
    figure = reach_figure(reach, name)
    return figure if isinstance(figure, str) else _number(figure)


def _pyramid(reach: dict) -> Drawing:
    drawing = Drawing(16 * cm, 5 * cm, initialFontName=FONT)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 20, 13 * cm, 3.8 * cm
    chart.data = [
        [-reach[f"females_{band}"] for band, _label in AGE_BANDS],
        [reach[f"males_{band}"] for band, _label in AGE_BANDS],
    ]
    chart.groupSpacing, chart.barSpacing = 4, 0
    chart.categoryAxis.categoryNames = [shaped(label) for _band, label in AGE_BANDS]
    chart.categoryAxis.style = "stacked"
    chart.bars[0].fillColor, chart.bars[1].fillColor = colors.HexColor("#8c3d8c"), colors.HexColor("#2f7a6b")
    chart.valueAxis.labelTextFormat = lambda value: shaped(_number(abs(int(value))))
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT
    drawing.add(chart)
    drawing.add(_label(50, 4.6 * cm, _("Female (left), male (right)")))
    return drawing


def build(figures: dict) -> bytes:
    """The PDF, in the active language (the report's): its direction, dates, numbers and headings."""
    register_fonts()
    styles = getSampleStyleSheet()
    project, period, cumulative = figures["project"], figures["period"], figures["cumulative"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("%(code)s progress report") % {"code": project["code"]},
        author=project["lead_organisation"],
        lang=translation.get_language(),
        initialFontName=FONT,  # else reportlab adds Helvetica (not embedded) to every page
    )

    def text(value: str, style: str = "Normal"):
        return paragraph(value, styles[style], document.width)

    story = [
        *_opening(figures, text),
        Spacer(1, 0.4 * cm),
        text(_("Progress against targets"), "Heading3"),
        _targets_table(period, cumulative),
        text(_("Cumulative progress in the period"), "Heading3"),
        *_cumulative_charts(period, cumulative),
        text(_("Individuals reached by sex and age (period)"), "Heading3"),
        # A period reaching fewer households than the threshold: no pyramid (projects/disclosure.py).
        text(suppressed_marker()) if is_small_count(period["reach"]["households"]) else _pyramid(period["reach"]),
        text(_("By site (period)"), "Heading3"),
        _sites_table(period),
        *_pipeline_section(figures, text),
        *indicators.pdf_story(figures, text, _table, _number),
    ]
    document.build(story)
    return buffer.getvalue()


def _opening(figures: dict, text) -> list[Paragraph]:
    project, report, period, cumulative = (
        figures["project"],
        figures["report"],
        figures["period"],
        figures["cumulative"],
    )
    byline = _("%(code)s · Donor: %(donor)s · Implemented by %(organisation)s") % {
        "code": project["code"],
        "donor": project["donor"],
        "organisation": project["lead_organisation"],
    }
    heading = _("Progress report for %(period)s") % {
        "period": labels.period(long_date(report["period_start"]), long_date(report["period_end"]))
    }
    reach = _(
        "Households reached in the period: %(households)s; individuals: %(individuals)s. "
        "To date: %(households_to_date)s households, %(individuals_to_date)s individuals, "
        "each household counted once."
    ) % {
        "households": _reach_number(period["reach"], "households"),
        "individuals": _reach_number(period["reach"], "individuals"),
        "households_to_date": _reach_number(cumulative["reach"], "households"),
        "individuals_to_date": _reach_number(cumulative["reach"], "individuals"),
    }
    return [
        text(row_in_language(project, "title"), "Title"),
        text(byline),
        text(heading, "Heading2"),
        text(reach),
        *(text(labels.attendance(row)) for row in figures.get("lists", [])),
    ]


def _targets_table(period: dict, cumulative: dict) -> Table:
    header = [_("Indicator"), _("What"), _("Target"), _("To date"), _("In period"), _("Expected"), "%", _("Status")]
    rows = [
        [
            labels.indicator(target),
            labels.target_what(target),
            _number(target["target"]),
            _number(indicators.achieved_shown(target)),
            _number(indicators.achieved_shown(in_period)),
            _number(target["expected"]),
            number_format(target["percent"], 1),
            labels.status(target),
        ]
        for target, in_period in zip(cumulative["targets"], period["targets"], strict=True)
    ]
    return _table([header, *rows])


def _pipeline_section(figures: dict, text) -> list:
    """The kit pipeline (projects/reports/pipeline.py), when the project tracks stock."""
    if not figures.get("pipeline"):
        return []
    header, rows, totals = pipeline.table(figures)
    numbers = [[row[0], *(_number(value) if value is not None else "" for value in row[1:])] for row in [*rows, totals]]
    return [text(pipeline.heading(), "Heading3"), text(pipeline.note(figures)), _table([header, *numbers])]


def _sites_table(period: dict) -> Table:
    header = [_("Site"), _("Area"), _("Kits"), _("Households"), _("Individuals")]
    rows = [
        [
            r["site__name"],
            r["admin2__name"] or r["admin1__name"] or "",
            *([suppressed_marker()] * 3 if withheld else map(_number, (r["kits"], r["households"], r["individuals"]))),
        ]
        for r, withheld in zip(period["by_site"], sites_withheld(period), strict=True)
    ]
    return _table([header, *rows])
