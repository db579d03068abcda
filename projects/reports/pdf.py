"""The donor's PDF: headline figures, targets, the cumulative chart and the sex-and-age pyramid (reportlab)."""

import datetime
import io

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

AGE_BANDS = (("0_5", "0-5"), ("6_17", "6-17"), ("18_59", "18-59"), ("60_plus", "60+"))
KITS_BLUE, HOUSEHOLDS_ORANGE = colors.HexColor("#1f5fa8"), colors.HexColor("#b35900")


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


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
    for rows, key in (
        (period["kits_over_time"], "cumulative_kits"),
        (period["reach_over_time"], "cumulative_households"),
    ):
        lines.append([(datetime.date.fromisoformat(row["bucket"]).toordinal(), row[key]) for row in rows])
    if not any(lines):
        drawing.add(String(10, 80, "Nothing distributed in this period."))
        return drawing
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 30, 14 * cm, 4 * cm
    plot.data = [line or [(0, 0)] for line in lines]
    plot.lines[0].strokeColor, plot.lines[1].strokeColor = KITS_BLUE, HOUSEHOLDS_ORANGE
    plot.lines[0].strokeWidth = plot.lines[1].strokeWidth = 2
    plot.xValueAxis.labelTextFormat = lambda value: datetime.date.fromordinal(int(value)).strftime("%d %b")
    drawing.add(plot)
    drawing.add(String(40, 5 * cm + 10, "Kits (cumulative)", fillColor=KITS_BLUE, fontSize=9))
    drawing.add(String(8 * cm, 5 * cm + 10, "Households reached (cumulative)", fillColor=HOUSEHOLDS_ORANGE, fontSize=9))
    return drawing


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
    drawing.add(String(50, 4.6 * cm, "Female (left)  Male (right)", fontSize=9))
    return drawing


def build(figures: dict) -> bytes:
    styles = getSampleStyleSheet()
    project, report, period, cumulative = (
        figures["project"],
        figures["report"],
        figures["period"],
        figures["cumulative"],
    )
    story = [
        Paragraph(project["title"], styles["Title"]),
        Paragraph(
            f"{project['code']} · Donor: {project['donor']} · Implemented by {project['lead_organisation']}",
            styles["Normal"],
        ),
        Paragraph(f"Progress report for {report['period_start']} to {report['period_end']}", styles["Heading2"]),
        Paragraph(
            f"Households reached in the period: {_number(period['reach']['households'])}; "
            f"individuals: {_number(period['reach']['individuals'])}. "
            f"To date: {_number(cumulative['reach']['households'])} households, "
            f"{_number(cumulative['reach']['individuals'])} individuals, each household counted once.",
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
        Paragraph("Progress against targets", styles["Heading3"]),
        _table(
            [["Indicator", "What", "Target", "To date", "In period", "Expected", "%", "Status"]]
            + [
                [
                    target["indicator"].replace("_", " "),
                    target["label"],
                    _number(target["target"]),
                    _number(target["achieved"]),
                    _number(in_period["achieved"]),
                    _number(target["expected"]),
                    f"{target['percent']:.1f}",
                    "on track" if target["on_track"] else "behind",
                ]
                for target, in_period in zip(cumulative["targets"], period["targets"], strict=True)
            ]
        ),
        Paragraph("Cumulative progress in the period", styles["Heading3"]),
        _cumulative_chart(period),
        Paragraph("Individuals reached by sex and age (period)", styles["Heading3"]),
        _pyramid(period["reach"]),
        Paragraph("By site (period)", styles["Heading3"]),
        _table(
            [["Site", "Area", "Kits", "Households", "Individuals"]]
            + [
                [
                    r["site__name"],
                    r["admin2__name"] or r["admin1__name"] or "",
                    _number(r["kits"]),
                    _number(r["households"]),
                    _number(r["individuals"]),
                ]
                for r in period["by_site"]
            ]
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{project['code']} progress report", author=project["lead_organisation"]
    )
    document.build(story)
    return buffer.getvalue()
