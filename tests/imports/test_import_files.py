"""Registration lists: every kind of error explained, encodings and delimiters, Kobo exports, resumable imports."""

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from beneficiaries.imports import jobs
from beneficiaries.imports.errors_file import write_errors_workbook
from beneficiaries.models import DuplicateReview, Household, ImportJob, ImportRow
from tests.imports.conftest import HEADERS, csv_bytes, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

# (the row, the column named, words the reason must hold)
BAD_ROWS = [
    (row(head_name=""), "head_name", "Empty: a head of household name is required."),
    (row(sex="X"), "sex", "'X' is not a sex we know"),
    (row(birth_year="19xx"), "birth_year", "'19xx' is not a year"),
    (row(birth_year="1850"), "birth_year", "Birth year 1850 is not possible"),
    (row(hh_size="5"), "hh_size", "Household size is 5 but the sex and age counts add up to 3."),
    (row(f_6_17="-1"), "f_6_17", "'-1' is not a number of people"),
    (row(consent_date="31/02/2024"), "consent_date", "'31/02/2024' is not a date"),
    (row(consent_date="2099-01-01"), "consent_date", "The consent date 2099-01-01 is in the future."),
    (row(phone="12 34"), "phone", "'12 34' is not a phone number"),
    (row(site="NOPE"), "site", "No site has the code or name 'NOPE'."),
    (row(site="KOR"), "site", "Site 'KOR' is not one of the sites you may register households for."),
    (row(admin2_pcode="ML9999"), "admin2_pcode", "'ML9999' is not a known P-code or area name."),
    (row(admin2_pcode="ML0401"), "admin2_pcode", "Site Walirdé lies in Mopti (ML0506), not in Ségou (ML0401)."),
    (row(status="nomade"), "status", "'nomade' is not a displacement status"),
    (row(id_number="123456"), "id_type", "An ID number is given without saying which document"),
    (row(id_type="permis", id_number="1"), "id_type", "'permis' is not an ID document type"),
    (row(consent="peut-être"), "consent", "'peut-être' is not yes or no"),
    (row(consent="non"), "consent", "Consent was not given"),
    (row(head_name="Aïssata Traoré", status="idp woman_headed"), "status", "is not a displacement status"),
]
FRENCH_ROW = row(
    head_name="Moussa Diallo",
    sex="homme",
    birth_year="1970",
    site="Walirdé",
    admin2_pcode="Mopti",
    status="Déplacé interne",
    hh_size="",
    f_18_59="1",
    m_18_59="1",
    m_0_5="0",
    f_6_17="0",
    phone="0022376543210",
    id_type="Carte nationale d'identité",
    id_number="ML 0042",
    consent="oui",
    consent_date="",
)


def validated(content: bytes, user, name="households.csv", source="") -> ImportJob:
    job = jobs.create_job(uploaded=upload(content, name), created_by=user, source=source)
    jobs.set_mapping(job, job.mapping, by=user)
    return jobs.validate_job(job)


def refusals(job: ImportJob) -> dict[int, list[dict]]:
    return dict(ImportRow.objects.filter(job=job, outcome="invalid").values_list("row_number", "errors"))


@pytest.mark.parametrize(
    ("encoding", "delimiter", "hxl"),
    [("utf-8", ",", False), ("cp1252", ";", True), ("utf-16", "\t", False), ("utf-8-sig", "|", True)],
)
def test_every_kind_of_error_is_explained_with_its_column(importer, encoding, delimiter, hxl):
    rows = [row(), *(bad for bad, _column, _reason in BAD_ROWS), FRENCH_ROW]
    job = validated(csv_bytes(rows, delimiter=delimiter, encoding=encoding, hxl=hxl), importer)

    assert job.status == ImportJob.Status.VALIDATED
    assert (job.total_rows, job.invalid_rows, job.valid_rows) == (len(rows), len(BAD_ROWS), 2)
    first = 3 if hxl else 2  # spreadsheet row numbers: the header is row 1, an HXL row is row 2
    found = refusals(job)
    for offset, (_row, column, reason) in enumerate(BAD_ROWS, start=1):
        errors = found[first + offset]
        assert any(e["column"] == column and reason in e["reason"] for e in errors), (column, errors)
    assert first not in found and first + len(BAD_ROWS) + 1 not in found, found  # the good and French rows pass


def test_the_dry_run_registers_nothing_and_the_import_registers_the_valid_rows(importer):
    job = validated(csv_bytes([row(), row(sex="X"), FRENCH_ROW]), importer)
    assert Household.objects.count() == 0
    jobs.start_import(job)
    jobs.run_import(job)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.invalid_rows) == ("completed", 2, 1)
    moussa = Household.objects.get(head_name="Moussa Diallo")
    assert (moussa.head_sex, moussa.displacement_status, moussa.household_size) == ("M", "idp", 2)
    assert (moussa.id_document_type, moussa.phone, moussa.consent_given) == ("national_id", "+22376543210", True)
    assert moussa.registered_by == importer


def test_xlsx_cells_typed_as_numbers_and_dates_are_read(importer):
    import datetime

    cells = row()
    cells[HEADERS.index("birth_year")] = 1985
    cells[HEADERS.index("f_18_59")] = 1.0
    cells[HEADERS.index("consent_date")] = datetime.datetime(2024, 6, 20)
    job = validated(xlsx_bytes([cells, row(sex="")]), importer, name="list.xlsx")
    assert (job.total_rows, job.invalid_rows) == (2, 1)
    assert refusals(job)[3] == [{"column": "sex", "reason": "Empty: the sex of the head of household is required."}]


def test_the_errors_spreadsheet_lists_refused_rows_with_reasons(importer):
    job = validated(csv_bytes([row(), row(phone="12 34"), row(head_name="", sex="X")]), importer)
    path = write_errors_workbook(job)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))
    path.unlink()
    assert lines[0] == ("Row", *HEADERS, "Errors")
    assert [line[0] for line in lines[1:]] == [3, 4]
    assert "phone: '12 34' is not a phone number" in lines[1][-1]
    assert "head_name: Empty" in lines[2][-1] and "sex: 'X'" in lines[2][-1]


KOBO_HEADERS = [
    "start",
    "end",
    "household/head_name",
    "household/head_sex",
    "household/head_birth_year",
    "location/site",
    "location/admin2",
    "household/displacement_status",
    "household/members/females_18_59",
    "household/members/males_0_5",
    "household/nom_du_pere",
    "_id",
    "_uuid",
    "_submission_time",
]


def kobo_row(name: str, year: int) -> list:
    return [
        "2024-06-20T09:00:00",
        "2024-06-20T09:05:00",
        name,
        "female",
        year,
        "WAL",
        "ML0506",
        "idp",
        1,
        1,
        "x",
        1,
        "u",
        "",
    ]


def test_a_kobo_export_with_group_prefixes_imports_and_its_mapping_is_remembered(importer):
    first = jobs.create_job(
        uploaded=upload(xlsx_bytes([kobo_row("Hawa Coulibaly", 1990)], KOBO_HEADERS), "kobo.xlsx"),
        created_by=importer,
        source="kobo:aHw3Registration",
    )
    assert first.mapping["household/head_name"] == "head_name"
    assert first.mapping["household/members/females_18_59"] == "females_18_59"
    assert first.mapping["location/admin2"] == "admin_area"
    assert first.mapping["_uuid"] == ""
    # The officer maps a column the guess could not know, and keeps it out of another.
    chosen = {**first.mapping, "household/nom_du_pere": "", "location/admin2": ""}
    jobs.set_mapping(first, chosen, by=importer)

    second = jobs.create_job(
        uploaded=upload(xlsx_bytes([kobo_row("Fanta Sidibé", 1992)], KOBO_HEADERS), "kobo-2.xlsx"),
        created_by=importer,
        source="kobo:aHw3Registration",
    )
    assert second.mapping == chosen
    jobs.set_mapping(second, second.mapping, by=importer)
    jobs.validate_job(second)
    jobs.start_import(second)
    jobs.run_import(second)
    second.refresh_from_db()
    assert second.created_count == 1
    assert Household.objects.get().head_name == "Fanta Sidibé"


def test_a_mapping_without_required_columns_is_refused(importer):
    job = jobs.create_job(uploaded=upload(csv_bytes([row()], headers=["name", *HEADERS[1:]])), created_by=importer)
    with pytest.raises(jobs.ValidationError) as refused:
        jobs.set_mapping(job, {**job.mapping, "name": ""}, by=importer)
    assert "head_name: No column holds head of household name, which is required." in refused.value.messages


def test_duplicates_within_and_against_the_register_are_held_or_flagged(importer, mopti):
    from tests import factories

    factories.household(mopti["site"], head_name="Mohamed Traoré", head_sex="M", head_birth_year=1980, phone="")
    rows = [
        row(head_name="Muhammad Traore", sex="M", birth_year="1980", phone=""),  # the known household
        row(head_name="Aminata Touré", birth_year="1990", phone=""),
        row(head_name="Aminata Traoré", birth_year="1990", phone=""),  # close to the row above: flagged
        row(head_name="Oumou Sangaré", birth_year="1975"),
    ]
    job = validated(csv_bytes(rows), importer)
    jobs.start_import(job)
    jobs.run_import(job)
    job.refresh_from_db()
    assert (job.created_count, job.flagged_count, job.held_count) == (2, 1, 1)
    held = DuplicateReview.objects.get(kind="held")
    assert held.submitted_fields["head_name"] == "Muhammad Traore"
    assert ImportRow.objects.get(job=job, row_number=2).review == held


def test_an_interrupted_import_resumes_without_writing_a_row_twice(importer, monkeypatch):
    names = ["Fatoumata", "Mariam", "Kadidia", "Djeneba", "Assetou", "Hawa", "Oumou", "Bintou", "Fanta", "Salimata"]
    rows = [row(head_name=f"{name} Diallo", birth_year=str(1970 + i), phone="") for i, name in enumerate(names)]
    job = validated(csv_bytes(rows), importer)
    jobs.start_import(job)
    real_register = jobs.register_households
    calls = {"count": 0}

    def worker_dies_after_writing_the_second_batch(rows, **options):
        calls["count"] += 1
        registered = real_register(rows, **options)
        if calls["count"] == 2:
            assert Household.objects.count() == 8  # written, not yet committed
            raise RuntimeError("worker lost")
        return registered

    monkeypatch.setattr(jobs, "register_households", worker_dies_after_writing_the_second_batch)
    with pytest.raises(RuntimeError):
        jobs.run_import(job, batch_size=4)
    job.refresh_from_db()
    # Rows 2-5 and 6-9 were two batches; the second died after its households were written and left nothing.
    assert (job.status, job.committed_through, job.created_count) == ("failed", 5, 4)
    assert Household.objects.count() == 4
    assert Household.history.count() == 4

    monkeypatch.setattr(jobs, "register_households", real_register)
    jobs.start_import(job)
    jobs.run_import(job, batch_size=4)
    job.refresh_from_db()
    assert (job.status, job.committed_through, job.created_count) == ("completed", 11, 10)
    assert Household.objects.count() == 10
    assert sorted(ImportRow.objects.filter(job=job).values_list("row_number", flat=True)) == list(range(2, 12))
    # A third run (a redelivered task) changes nothing.
    jobs.run_import(job, batch_size=4)
    assert Household.objects.count() == 10


def test_unreadable_files_are_refused_in_plain_words(importer):
    with pytest.raises(jobs.ValidationError) as refused:
        jobs.create_job(uploaded=upload(b"", "empty.csv"), created_by=importer)
    assert refused.value.message_dict["file"] == ["The file is empty."]
    with pytest.raises(jobs.ValidationError):
        jobs.create_job(uploaded=upload(b"PK\x03\x04broken", "broken.xlsx"), created_by=importer)


@pytest.mark.celery_worker
def test_a_real_worker_checks_then_imports_the_file(celery_worker_process, mopti):
    import time

    from django.db import transaction

    from beneficiaries.tasks import validate_import
    from tests import factories

    factories.site("KOR", name="Koro", admin_area=factories.area("ML0401", "Ségou"))
    officer = mopti["officer"]
    job = jobs.create_job(uploaded=upload(csv_bytes([row(), row(sex="X"), FRENCH_ROW])), created_by=officer)
    jobs.set_mapping(job, job.mapping, by=officer)
    ImportJob.objects.filter(pk=job.pk).update(import_after_validation=True)
    transaction.on_commit(lambda: validate_import.delay(job.pk))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("completed", "failed"):
            break
        time.sleep(0.3)
    assert (job.status, job.created_count, job.invalid_rows) == ("completed", 2, 1)


def test_a_windows_1252_file_whose_first_accent_is_far_down_is_read_right(importer):
    """The encoding is judged on the whole file, not on its first kilobytes: no U+FFFD is ever stored."""
    filler = [row(head_name=f"Moussa Diallo{'n' * (n % 7)}", birth_year=str(1950 + n % 50)) for n in range(1500)]
    rows = [*filler, row(head_name="Aïssata Traoré", birth_year="1979", phone="+223 70 99 88 77")]
    content = csv_bytes(rows, encoding="cp1252")
    assert content.index("ï".encode("cp1252")) > 100 * 1024
    job = jobs.create_job(uploaded=upload(content), created_by=importer)
    jobs.set_mapping(job, job.mapping, by=importer)
    jobs.validate_job(job)
    assert job.total_rows == len(rows)
    jobs.start_import(job)
    jobs.run_import(job)
    assert Household.objects.filter(head_name="Aïssata Traoré").exists()
    assert not Household.objects.filter(head_name__contains="\ufffd").exists()


def test_a_file_that_no_one_encoding_reads_is_refused(importer):
    """UTF-8 at the start, bytes invalid in UTF-8 and in Windows-1252 further down: refused, nothing stored."""
    content = csv_bytes([row() for _n in range(2000)]) + "Aïssata".encode() + b"\x81\x8d\x8f\x90\x9d,F\r\n"
    with pytest.raises(ValidationError) as refused:
        job = jobs.create_job(uploaded=upload(content), created_by=importer)
        jobs.set_mapping(job, job.mapping, by=importer)
        jobs.validate_job(job)
    assert "cannot be read" in str(refused.value)
    assert not Household.objects.exists()


def test_a_replacement_character_in_a_utf8_file_or_a_cell_is_refused(importer):
    rows = [row(head_name="A\ufffdssata Traor\ufffd")]
    for content, name in [(csv_bytes(rows), "households.csv"), (xlsx_bytes(rows), "households.xlsx")]:
        job = validated(content, importer, name=name)
        assert job.invalid_rows == 1
        assert "could not be read" in refusals(job)[2][0]["reason"]
