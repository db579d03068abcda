"""Issue 12: one small upload cannot take a worker's memory; an oversized CSV cell is a 400 naming its row."""

import io
import re
import zipfile

import openpyxl
import pytest

from beneficiaries.imports import jobs
from beneficiaries.imports.readers import UnreadableFile
from beneficiaries.models import ImportJob
from tests.api.conftest import client_for
from tests.imports.conftest import HEADERS, csv_bytes, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _peak_rss_kb() -> int:
    return int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))


def _reset_peak_rss() -> None:
    with open("/proc/self/clear_refs", "w") as handle:  # "5": reset the peak resident set size (Linux)
        handle.write("5")


SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def shared_strings_bomb(megabytes: int = 150) -> bytes:
    """A valid XLSX whose shared strings unpack to `megabytes` MB from about a thousandth of that."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([row()])))
    out = io.BytesIO()
    one = b"<si><t>" + b"a" * 1000 + b"</t></si>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
                content = content.replace(b"</Types>", override.encode() + b"</Types>")
            bomb.writestr(info, content)
        with bomb.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(megabytes * 1024 * 1024 // len(one) // 1000):
                part.write(one * 1000)
            part.write(b"</sst>")
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_reading_and_memory_stays_bounded(mopti):
    bomb = shared_strings_bomb()
    assert len(bomb) < 400 * 1024  # a small upload
    api = client_for(mopti["officer"])
    _reset_peak_rss()
    before = _peak_rss_kb()
    answer = api.post("/api/v1/imports/", {"file": upload(bomb, "bomb.xlsx")}, format="multipart")
    grown_mb = (_peak_rss_kb() - before) / 1024
    print(f"bomb of {len(bomb) // 1024} KB: peak resident memory grew {grown_mb:.1f} MB")
    assert grown_mb < 40, f"the upload took {grown_mb:.0f} MB"
    assert answer.status_code == 400, answer.content
    assert "decompression bomb" in answer.json()["errors"]["file"][0]
    assert not ImportJob.objects.exists()


def test_every_part_is_checked_by_its_unpacked_size_and_ratio(tmp_path, settings):
    from beneficiaries.imports import limits

    path = tmp_path / "big.xlsx"
    path.write_bytes(shared_strings_bomb(8))
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 4 * 1024 * 1024
    with pytest.raises(limits.TooLarge, match="unpacks to 7 MB"):
        limits.check_xlsx_archive(path)
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
    with pytest.raises(limits.TooLarge, match=r"xl/sharedStrings\.xml"):
        limits.check_xlsx_archive(path)
    ordinary = tmp_path / "ordinary.xlsx"
    ordinary.write_bytes(xlsx_bytes([row() for _ in range(200)]))
    limits.check_xlsx_archive(ordinary)  # no error


def test_too_many_columns_or_rows_are_refused_naming_the_row(mopti, tmp_path, settings):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(row())
    sheet.cell(row=3, column=900, value="x")  # row 3 reaches column 900
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = jobs.create_job(uploaded=upload(buffer.getvalue(), "wide.xlsx"), created_by=mopti["officer"])
    with pytest.raises(UnreadableFile):
        jobs.validate_job(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "Row 3: more than 500 columns" in job.error
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(Exception, match="Row 4: the file has more than 3 rows"):
        jobs.create_job(uploaded=upload(csv_bytes([row(), row(), row()])), created_by=mopti["officer"])


def test_a_csv_cell_over_one_megabyte_is_a_400_naming_the_row(mopti):
    api = client_for(mopti["officer"])
    content = csv_bytes([row(), row(), row(head_name="x" * (1024 * 1024 + 10))])
    answer = api.post("/api/v1/imports/", {"file": upload(content)}, format="multipart")
    assert answer.status_code == 400, answer.content
    refusal = "Row 4: a cell is longer than 1 MB; a registration list's cells are short."
    assert answer.json()["errors"]["file"] == [refusal]
    in_header = csv_bytes([row()], headers=[*HEADERS[:-1], "y" * (1024 * 1024 + 10)])
    answer = api.post("/api/v1/imports/", {"file": upload(in_header)}, format="multipart")
    assert answer.status_code == 400 and "Row 1:" in answer.json()["errors"]["file"][0]


def test_an_ordinary_xlsx_still_imports(mopti):
    job = jobs.create_job(uploaded=upload(xlsx_bytes([row(), row()]), "list.xlsx"), created_by=mopti["officer"])
    assert job.headers == HEADERS
