"""The donor's PDF: headline figures, targets, the cumulative chart and the sex-and-age pyramid (reportlab).

Written in the active language (the report's). reportlab's built-in fonts have no Arabic glyphs and it
cannot join or order Arabic letters without extra libraries (python-bidi, arabic-reshaper or
uharfbuzz, none installed): an Arabic report's PDF keeps the English headings; its XLSX is in Arabic.
"""

import contextlib
import datetime
import io
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.dateformat import format as format_date
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from config.names import row_in_language
from projects.disclosure import is_small_count, reach_figure, shown_running_totals, sites_withheld, suppressed_marker
from projects.reports import labels

AGE_BANDS = (("0_5", "0-5"), ("6_17", "6-17"), ("18_59", "18-59"), ("60_plus", "60+"))
KITS_BLUE, HOUSEHOLDS_ORANGE = colors.HexColor("#1f5fa8"), colors.HexColor("#b35900")


def _number(value) -> str:
    if not isinstance(value, int):
        return str(value)
    # French groups with a narrow no-break space, which the built-in fonts lack: a plain no-break one.
    return number_format(value, force_grouping=True).replace("\u202f", "\xa0")


def _table(rows: list[list], widths=None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return table


def _cumulative_chart(period: dict) -> Drawing:
    drawing = Drawing(16 * cm, 6 * cm)
    lines = []
    # Households: only running totals that grew by none or by at least the threshold (projects/disclosure.py).
    for rows, key in (
        (period["kits_over_time"], "cumulative_kits"),
        (shown_running_totals(period["reach_over_time"], "households", "individuals"), "cumulative_households"),
    ):
        lines.append(
            [(datetime.date.fromisoformat(row["bucket"]).toordinal(), row[key]) for row in rows if row[key] is not None]
        )
    if not any(lines):
        drawing.add(String(10, 80, _("Nothing distributed in this period.")))
        return drawing
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 30, 14 * cm, 4 * cm
    plot.data = [line or [(0, 0)] for line in lines]
    plot.lines[0].strokeColor, plot.lines[1].strokeColor = KITS_BLUE, HOUSEHOLDS_ORANGE
    plot.lines[0].strokeWidth = plot.lines[1].strokeWidth = 2
    # All receipts on one day: the axis would otherwise span from day 0 (no date), and the build fail.
    days = [day for line in lines for day, _value in line]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(days), max(max(days), min(days) + 1)
    plot.xValueAxis.labelTextFormat = lambda value: (
        format_date(datetime.date.fromordinal(int(value)), "j M") if value >= 1 else ""
    )
    drawing.add(plot)
    drawing.add(String(40, 5 * cm + 10, _("Kits (cumulative)"), fillColor=KITS_BLUE, fontSize=9))
    drawing.add(
        String(8 * cm, 5 * cm + 10, _("Households reached (cumulative)"), fillColor=HOUSEHOLDS_ORANGE, fontSize=9)
    )
    return drawing


def _reach_number(reach: dict, name: str) -> str:
    """A headline reach figure, or the marker where projects/disclosure.py withholds it."""
    figure = reach_figure(reach, name)
    return figure if isinstance(figure, str) else _number(figure)


def _pyramid(reach: dict) -> Drawing:
    drawing = Drawing(16 * cm, 5 * cm)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 20, 13 * cm, 3.8 * cm
    chart.data = [
        [-reach[f"females_{band}"] for band, _label in AGE_BANDS],
        [reach[f"males_{band}"] for band, _label in AGE_BANDS],
    ]
    chart.groupSpacing, chart.barSpacing = 4, 0
    chart.categoryAxis.categoryNames = [label for _band, label in AGE_BANDS]
    chart.categoryAxis.style = "stacked"
    chart.bars[0].fillColor, chart.bars[1].fillColor = colors.HexColor("#8c3d8c"), colors.HexColor("#2f7a6b")
    chart.valueAxis.labelTextFormat = lambda value: f"{abs(int(value)):,}"
    drawing.add(chart)
    drawing.add(String(50, 4.6 * cm, _("Female (left), male (right)"), fontSize=9))
    return drawing


def build(figures: dict) -> bytes:
    unshaped = translation.get_language_bidi()  # Arabic: see the module's docstring
    with translation.override("en") if unshaped else contextlib.nullcontext():
        return _build(figures)


def _build(figures: dict) -> bytes:
    styles = getSampleStyleSheet()
    project, period, cumulative = figures["project"], figures["period"], figures["cumulative"]
    story = [
        *_opening(figures, styles),
        Spacer(1, 0.4 * cm),
        Paragraph(escape(_("Progress against targets")), styles["Heading3"]),
        _targets_table(period, cumulative),
        Paragraph(escape(_("Cumulative progress in the period")), styles["Heading3"]),
        _cumulative_chart(period),
        Paragraph(escape(_("Individuals reached by sex and age (period)")), styles["Heading3"]),
        # A period reaching fewer households than the threshold: no pyramid (projects/disclosure.py).
        Paragraph(escape(suppressed_marker()), styles["Normal"])
        if is_small_count(period["reach"]["households"])
        else _pyramid(period["reach"]),
        Paragraph(escape(_("By site (period)")), styles["Heading3"]),
        _sites_table(period),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("%(code)s progress report") % {"code": project["code"]},
        author=project["lead_organisation"],
    )
    document.build(story)
    return buffer.getvalue()


def _opening(figures: dict, styles) -> list[Paragraph]:
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
        "period": labels.period(report["period_start"], report["period_end"])
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
        Paragraph(escape(row_in_language(project, "title")), styles["Title"]),
        Paragraph(escape(byline), styles["Normal"]),
        Paragraph(escape(heading), styles["Heading2"]),
        Paragraph(escape(reach), styles["Normal"]),
    ]


def _targets_table(period: dict, cumulative: dict) -> Table:
    header = [_("Indicator"), _("What"), _("Target"), _("To date"), _("In period"), _("Expected"), "%", _("Status")]
    rows = [
        [
            labels.indicator(target),
            labels.target_what(target),
            _number(target["target"]),
            _number(target["achieved"]),
            _number(in_period["achieved"]),
            _number(target["expected"]),
            number_format(target["percent"], 1),
            labels.status(target),
        ]
        for target, in_period in zip(cumulative["targets"], period["targets"], strict=True)
    ]
    return _table([header, *rows])


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
