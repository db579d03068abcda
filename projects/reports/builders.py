"""Donor report outputs: each format a pure function of the frozen figures (projects/reports/figures.py).

Storing the outputs and the job's lease are projects/report_jobs.py's.
"""

import json

from django.conf import settings
from django.utils import translation

from projects.models import ProgressReport
from projects.reports import hxl, iati, pdf, xlsx

BUILDERS = {"xlsx": xlsx.build, "pdf": pdf.build, "csv": hxl.build, "xml": iati.build}
# Read by people: headings in the report's language. The JSON, HXL and IATI outputs are for machines
# and keep the default language (IATI narratives declare theirs).
TRANSLATED = {"xlsx", "pdf"}


def output_path(report: ProgressReport, fmt: str) -> str:
    """Fixed names: building twice overwrites the same files, so one set of outputs exists."""
    return f"reports/{report.project.code}/progress-report-{report.pk}.{fmt}"


FORMATS = ("json", *BUILDERS)


def _json(figures: dict) -> bytes:
    return json.dumps(figures, ensure_ascii=False, indent=1).encode()


def render(figures: dict, fmt: str, language: str) -> bytes:
    """One output of a report (`fmt` one of FORMATS) from its frozen figures, in `language` for those read by people."""
    build = _json if fmt == "json" else BUILDERS[fmt]
    with translation.override(language if fmt in TRANSLATED else settings.LANGUAGE_CODE):
        return build(figures)
