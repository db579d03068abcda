"""Streamed readers for registration lists: CSV in any common encoding and delimiter, and XLSX.

Rows come one at a time, so memory stays flat whatever the file's size. An HXL hashtag row
under the headers is recognised and skipped. Row numbers are those a spreadsheet shows (the
header is row 1), so that a sender finds the row a refusal names.
"""

import codecs
import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import openpyxl

from beneficiaries.imports import limits

SAMPLE_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
PREFERRED_ENCODINGS = ("cp1252", "cp1256", "latin_1", "iso8859_15", "mac_roman")


class UnreadableFile(ValueError):
    """The file is neither a CSV nor an XLSX we can read; the message says why in plain words."""


@dataclass
class Table:
    headers: list[str]
    hashtags: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    first_data_row: int = 2


def is_hxl_row(cells: list[str]) -> bool:
    filled = [cell.strip() for cell in cells if cell and cell.strip()]
    return bool(filled) and all(cell.startswith("#") for cell in filled)


def cell_text(value) -> str:
    """A spreadsheet cell as the text a person typed: 3.0 -> '3', a date -> '2024-06-20'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        return "cp1252"
    # Short, mostly-ASCII samples decode "cleanly" in many code pages: among the cleanest, prefer
    # those that registration lists are really saved in (Excel's Western European and Arabic pages).
    cleanest = min(match.chaos for match in matches)
    tied = {match.encoding for match in matches if match.chaos <= cleanest + 0.01}
    for preferred in PREFERRED_ENCODINGS:
        if preferred in tied:
            return preferred
    return matches[0].encoding


def _detect_delimiter(text: str) -> str:
    lines = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _decodes_whole(path: Path, encoding: str) -> bool:
    """Whether every byte of the file decodes in `encoding` (streamed, strict: nothing replaced)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _non_ascii_lines(path: Path, limit: int = SAMPLE_BYTES) -> bytes:
    """The lines holding non-ASCII bytes, from the whole file: the evidence an encoding detector needs.

    A file whose first accented letter lies past the first sample would otherwise be judged on ASCII alone.
    """
    kept, size = [], 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.isascii():
                kept.append(line)
                size += len(line)
                if size >= limit:
                    break
    return b"".join(kept)


def _whole_file_encoding(path: Path, sample: bytes) -> str:
    """The encoding in which the whole file decodes strictly; UnreadableFile if there is none we trust.

    The sample's guess is checked against every byte; if it fails (a UTF-8-looking start, Windows-1252
    further down), charset-normalizer judges the non-ASCII lines of the whole file, and that guess
    is checked against every byte in turn. Nothing is ever replaced by U+FFFD.
    """
    encoding = _detect_encoding(sample)
    if _decodes_whole(path, encoding):
        return encoding
    evidence = _non_ascii_lines(path)
    if evidence:
        encoding = _detect_encoding(evidence)
        if _decodes_whole(path, encoding):
            return encoding
    raise UnreadableFile(
        "Some characters of this file cannot be read in any one text encoding: "
        "save it again as CSV UTF-8 (or XLSX) and send it again."
    )


def _csv_rows(path: Path) -> tuple[Table, Iterator[list[str]]]:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("This file is not a spreadsheet we can read: save it as CSV or XLSX.")
    encoding = _whole_file_encoding(path, sample)
    text_sample = sample.decode(encoding, errors="ignore")
    delimiter = _detect_delimiter(text_sample)

    def rows() -> Iterator[list[str]]:
        with path.open("r", encoding=encoding, errors="strict", newline="") as text:
            yield from _limited(limits.csv_rows(csv.reader(text, delimiter=delimiter)))

    return Table(headers=[], encoding=encoding, delimiter=delimiter), rows()


def _xlsx_rows(path: Path) -> tuple[Table, Iterator[list[str]]]:
    def rows() -> Iterator[list[str]]:
        try:
            limits.check_xlsx_archive(path)  # before openpyxl unpacks anything
        except limits.TooLarge as error:
            raise UnreadableFile(str(error)) from None
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:
            raise UnreadableFile("This XLSX file cannot be opened; is it damaged or protected?") from error
        try:
            sheet = workbook.worksheets[0]
            # The <dimension> a file declares may lie: too small drops rows, too large pads every row.
            sheet.reset_dimensions()
            for values in _limited(sheet.iter_rows(values_only=True)):
                yield [cell_text(value) for value in values]
        finally:
            workbook.close()

    return Table(headers=[]), rows()


def _limited(rows) -> Iterator:
    """Rows within beneficiaries.imports.limits (rows, columns, cell size); past them, UnreadableFile."""
    try:
        yield from limits.bounded_rows(rows)
    except limits.TooLarge as error:
        raise UnreadableFile(str(error)) from None


def open_table(path: Path) -> tuple[Table, Iterator[tuple[int, list[str]]]]:
    """The table's headers, and an iterator of (row number, cells) over its data rows, read lazily."""
    table, raw = _xlsx_rows(path) if is_xlsx(path) else _csv_rows(path)
    try:
        header_cells = next(raw)
    except StopIteration:
        raise UnreadableFile("The file is empty.") from None
    table.headers = [cell.strip().lstrip("\ufeff") for cell in header_cells]
    while table.headers and not table.headers[-1]:
        table.headers.pop()
    if not any(table.headers):
        raise UnreadableFile("The first row should hold the column names, and it is empty.")

    def data_rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        for cells in raw:
            number += 1
            if number == 2 and is_hxl_row(cells):
                table.hashtags = [cell.strip() for cell in cells]
                table.first_data_row = 3
                continue
            if any(cell.strip() for cell in cells):
                yield number, cells

    return table, data_rows()


def read_headers(path: Path) -> Table:
    """The headers and HXL hashtags, reading no further than the second row."""
    table, rows = open_table(path)
    for _row in rows:
        break
    if hasattr(rows, "close"):
        rows.close()
    return table
