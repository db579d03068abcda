"""The kit pipeline's part of a donor report (issue 20): frozen with the figures, drawn as an XLSX sheet and a
PDF section by xlsx.py and pdf.py (one table, written here once), and as IATI results where it fits (iati.py).

The pipeline is the project's state when the report is built (stock balances and all receipts to date), not a
figure of the report's period: a warehouse's stock has no period. `pipeline_as_of` says when.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from config.names import row_in_language
from projects.disclosure import is_small_count, suppressed_marker
from projects.models import Project
from projects.pipeline import pipeline_json, project_pipeline

FIGURES = ("target", "procured", "in_stock", "dispatched", "handed_out", "damaged_or_lost", "issued")


def frozen_pipeline(project: Project) -> dict:
    """The keys a report's frozen figures get: `pipeline` (rows of projects.pipeline.PipelineRow, kits) and
    `pipeline_as_of` (ISO date). An empty list for a project without tracked stock."""
    return {"pipeline": pipeline_json(project_pipeline(project)), "pipeline_as_of": timezone.localdate().isoformat()}


def heading() -> str:
    return _("Kit pipeline")


def table(figures: dict) -> tuple[list[str], list[list], list]:
    """(header, rows, totals row) of the pipeline, names in the active language; rows of counts of kits (a
    target may be None). Empty rows when the report has no pipeline (older reports, no stock tracked)."""
    header = [
        _("Kit type"),
        _("Target"),
        _("Procured"),
        _("In stock"),
        _("Dispatched"),
        _("Handed out"),
        _("Damaged or lost"),
        _("Issued to organisations"),
    ]
    rows = [[row_in_language(row, "name"), *(row[name] for name in FIGURES)] for row in figures.get("pipeline", [])]
    totals = [_("Total"), *(sum(row[index] or 0 for row in rows) for index in range(1, len(header)))]
    # Kits handed out are receipts: withheld with a small reach to date, as the report's reach is (disclosure).
    if is_small_count(figures.get("cumulative", {}).get("reach", {}).get("households")):
        column = 1 + FIGURES.index("handed_out")
        for row in [*rows, totals]:
            row[column] = suppressed_marker()
    return header, rows, totals


def note(figures: dict) -> str:
    return _("As of %(date)s: stock is counted when the report is built, not for its period.") % {
        "date": figures.get("pipeline_as_of", "")
    }
