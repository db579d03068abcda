"""Limits that keep one upload from taking a worker's memory or time (issue 12).

An XLSX file is a zip archive of XML parts: a few hundred kilobytes can unpack to gigabytes (a
"decompression bomb"), and openpyxl, even in read-only mode, holds the shared strings and styles in
memory. A 191 KB file took a web worker from 180 MB to 2 GB. So, before openpyxl opens a file,
`check_xlsx_archive` reads the zip's directory (no part is unpacked) and refuses:

- more than XLSX_MAX_PARTS parts, or a declared total above XLSX_MAX_UNCOMPRESSED bytes;
- a part over 1 MB unpacking to more than XLSX_MAX_RATIO times its packed size (Apache POI's
  default minimum inflate ratio, 0.01: real sheets pack 5-20 times);
- shared strings or styles (held whole in memory) above XLSX_MAX_IN_MEMORY_PART bytes.

Python's zipfile stops at a part's declared size (a lying header gives a damaged file, not more
data). While rows stream, `bounded_rows` refuses a sheet with more than MAX_ROWS rows or
MAX_COLUMNS columns, naming the row: a row number far down (`<row r="1000000">`) would otherwise
make the reader walk a million empty rows. CSV cells above CSV_FIELD_LIMIT are refused naming
the row (`csv_rows`), instead of the csv module's error answering 500.

Limits are settings (IMPORT_XLSX_MAX_UNCOMPRESSED_MB, IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS).
"""

import csv
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
CSV_FIELD_LIMIT = MB
XLSX_MAX_PARTS = 10_000
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = MB  # smaller parts may pack tighter without harm
XLSX_MAX_IN_MEMORY_PART = 64 * MB
IN_MEMORY_PARTS = ("xl/sharedstrings.xml", "xl/styles.xml", "xl/workbook.xml")

csv.field_size_limit(CSV_FIELD_LIMIT)


class TooLarge(ValueError):
    """The file would take more memory or time than a registration list may; the message says why."""


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", 1_048_576)


def max_columns() -> int:
    return getattr(settings, "IMPORT_MAX_COLUMNS", 500)


def check_xlsx_archive(path: Path) -> None:
    """Raise TooLarge if the XLSX at `path` unpacks beyond the limits above; reads only the zip directory.

    A file that is not a readable zip is left to the reader (it says the file is damaged).
    """
    max_total = getattr(settings, "IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", 1024 * MB)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    if len(parts) > XLSX_MAX_PARTS:
        message = _("This XLSX file has %(count)s parts: it cannot be a registration list.")
        raise TooLarge(message % {"count": len(parts)})
    total = sum(part.file_size for part in parts)
    if total > max_total:
        raise TooLarge(
            _("This XLSX file unpacks to %(size)s MB, more than %(limit)s MB: split it in parts or save it as CSV.")
            % {"size": total // MB, "limit": max_total // MB}
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > XLSX_RATIO_FROM and ratio > XLSX_MAX_RATIO:
            raise TooLarge(
                _(
                    "Part %(name)s of this XLSX file unpacks %(ratio)s times its size: "
                    "it is refused as a decompression bomb."
                )
                % {"name": part.filename, "ratio": int(ratio)}
            )
        if part.filename.lower() in IN_MEMORY_PARTS and part.file_size > XLSX_MAX_IN_MEMORY_PART:
            raise TooLarge(
                _("Part %(name)s of this XLSX file unpacks to %(size)s MB, more than %(limit)s MB: save it as CSV.")
                % {"name": part.filename, "size": part.file_size // MB, "limit": XLSX_MAX_IN_MEMORY_PART // MB}
            )


def bounded_rows(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    """Rows as they come (row 1 first), raising TooLarge at the first row past MAX_ROWS or MAX_COLUMNS.

    Trailing empty cells do not count towards the columns.
    """
    row_limit, column_limit = max_rows(), max_columns()
    for number, cells in enumerate(rows, start=1):
        if number > row_limit:
            message = _("Row %(row)s: the file has more than %(limit)s rows; split it in parts.")
            raise TooLarge(message % {"row": number, "limit": row_limit})
        if len(cells) > column_limit:
            width = len(cells)
            while width > column_limit and (cells[width - 1] is None or cells[width - 1] == ""):
                width -= 1
            if width > column_limit:
                raise TooLarge(
                    _("Row %(row)s: more than %(limit)s columns; a registration list has fewer.")
                    % {"row": number, "limit": column_limit}
                )
            cells = cells[:width]
        yield cells


def csv_rows(reader) -> Iterator[list[str]]:
    """The rows of a csv.reader, a cell above CSV_FIELD_LIMIT refused with TooLarge naming its row
    (the spreadsheet's row number: the header is row 1)."""
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" not in str(error):
                raise TooLarge(_("Row %(row)s cannot be read: %(error)s.") % {"row": number, "error": error}) from None
            raise TooLarge(
                _("Row %(row)s: a cell is longer than %(limit)s MB; a registration list's cells are short.")
                % {"row": number, "limit": CSV_FIELD_LIMIT // MB}
            ) from None
        yield cells
