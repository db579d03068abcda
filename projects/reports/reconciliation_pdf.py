"""A distribution's reconciliation, printable (issue 20): the distribution report's stock page, in the active
language (English, French or Arabic, right to left), drawn like the donor report's PDF (projects/reports/pdf.py,
pdf_text.py). Figures: distributions/reconciliation.py; kits only, no household and no personal data."""

import io

from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import SimpleDocTemplate, Spacer

from distributions.models import Distribution
from distributions.reconciliation import reconciliation
from projects.reports import labels
from projects.reports.pdf import _table as table  # the donor report's table: same fonts, mirroring, alignment
from projects.reports.pdf_text import FONT, long_date, paragraph, register_fonts


def build(distribution: Distribution) -> bytes:
    """The PDF of `distribution`'s reconciliation (bytes), in the active language."""
    register_fonts()
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("Reconciliation: %(name)s") % {"name": distribution.local_name},
        lang=translation.get_language(),
        initialFontName=FONT,
    )

    def text(value: str, style: str = "Normal"):
        return paragraph(value, styles[style], document.width)

    rows = reconciliation(distribution)
    header = [
        _("Kit"),
        _("Variance"),
        _("Dispatched"),
        _("Received at the site"),
        _("Handed out"),
        _("Returned"),
        _("Damaged"),
        _("Lost"),
    ]
    figures = [
        [row.kit_type.local_name, *(number_format(value, force_grouping=True) for value in _figures(row))]
        for row in rows
    ]
    story = [
        text(_("Distribution report: stock reconciliation"), "Title"),
        text(distribution.local_name, "Heading2"),
        text(
            _("%(site)s · %(dates)s · %(status)s")
            % {
                "site": distribution.site.name,
                "dates": labels.period(long_date(distribution.planned_start), long_date(distribution.planned_end)),
                "status": labels.distribution_status(distribution.status),
            }
        ),
        Spacer(1, 0.4 * cm),
    ]
    if not rows:
        story.append(text(_("No kits were dispatched to this distribution: its stock is not tracked here.")))
    else:
        story += [
            table([header, *figures]),
            Spacer(1, 0.3 * cm),
            text(_("Variance = dispatched − handed out − returned − damaged − lost.")),
            text(_("Explanations"), "Heading3"),
            *[text(f"{row.kit_type.local_name}: {_explanation(row)}") for row in rows],
        ]
    story.append(text(_("Printed on %(date)s.") % {"date": long_date(timezone.localdate())}))
    document.build(story)
    return buffer.getvalue()


def _figures(row) -> tuple[int, ...]:
    return (row.variance, row.dispatched, row.received_at_site, row.handed_out, row.returned, row.damaged, row.lost)


def _explanation(row) -> str:
    if row.variance == 0:
        return _("no variance.")
    return row.explanation if row.explained else _("not explained yet.")
