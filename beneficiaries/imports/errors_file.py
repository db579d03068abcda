"""The refused rows as a spreadsheet: the sender's own columns, plus the row number and the reasons."""

import tempfile
from pathlib import Path

from openpyxl import Workbook

from beneficiaries.imports.readers import open_table
from beneficiaries.models import ImportJob, ImportRow
from config.spreadsheets import xlsx_row


def write_errors_workbook(job: ImportJob) -> Path:
    """An XLSX (write-only, streamed) of the refused rows, to fix and send again. The caller deletes it."""
    reasons = dict(
        ImportRow.objects.filter(job=job, outcome=ImportRow.Outcome.INVALID).values_list("row_number", "errors")
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Refused rows")
    table, rows = open_table(Path(job.file.path))
    sheet.append(xlsx_row(sheet, ["Row", *table.headers, "Errors"]))
    for number, cells in rows:
        if number in reasons:
            explained = "; ".join(f"{error['column']}: {error['reason']}" for error in reasons[number])
            # The sender's cells as typed: "=HYPERLINK(...)" stays text (config/spreadsheets.py).
            sheet.append(xlsx_row(sheet, [number, *cells[: len(table.headers)], explained]))
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - returned to the caller
    handle.close()
    workbook.save(handle.name)
    return Path(handle.name)
