"""Idempotency-Key on the import API: a retried upload makes one job, whatever the file's size (issue 13)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import IdempotencyRecord
from beneficiaries.models import ImportJob
from tests.imports.conftest import csv_bytes, row
from tests.imports.test_pages_and_api import token_client

pytestmark = pytest.mark.django_db


def post_file(api, content: bytes, key: str, name: str = "households.csv", **fields):
    return api.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile(name, content), "source": "partner-api", **fields},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_retried_upload_makes_one_job_and_gets_the_first_answer(importer, django_capture_on_commit_callbacks):
    api = token_client(importer)
    content = csv_bytes([row(), row(head_name="Awa Maïga")])
    with django_capture_on_commit_callbacks() as queued:
        first = post_file(api, content, "upload-1")
        again = post_file(api, content, "upload-1")
    assert first.status_code == again.status_code == 202, first.content
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert ImportJob.objects.count() == 1
    assert len(queued) == 1  # the check is queued once


def test_the_same_key_with_another_file_or_other_fields_is_refused(importer):
    api = token_client(importer)
    assert post_file(api, csv_bytes([row()]), "upload-2").status_code == 202
    other_file = post_file(api, csv_bytes([row(head_name="Someone Else")]), "upload-2")
    assert other_file.status_code == 422 and other_file.json()["code"] == "idempotency_key_reused"
    other_name = post_file(api, csv_bytes([row()]), "upload-2", name="renamed.csv")
    assert other_name.status_code == 422
    other_fields = post_file(api, csv_bytes([row()]), "upload-2", commit="true")
    assert other_fields.status_code == 422
    assert ImportJob.objects.count() == 1
    assert post_file(api, csv_bytes([row()]), "upload-3").status_code == 202  # another key: another job
    assert ImportJob.objects.count() == 2


def test_a_file_larger_than_the_in_memory_limit_is_fingerprinted_in_chunks(importer, settings):
    # Django refuses request.body over DATA_UPLOAD_MAX_MEMORY_SIZE; the file also spills to a temporary file.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    api = token_client(importer)
    content = csv_bytes([row(head_name=f"Person {number}") for number in range(200)])
    assert len(content) > 4 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    first = post_file(api, content, "big-1")
    assert first.status_code == 202, first.content
    job = ImportJob.objects.get()
    assert job.file.size == len(content)  # the whole file was stored: the fingerprint rewound it
    assert post_file(api, content, "big-1").json() == first.json()
    changed = content.replace(b"Person 199", b"Person 919")  # one cell of the last row
    assert post_file(api, changed, "big-1").status_code == 422
    assert ImportJob.objects.count() == 1
    assert IdempotencyRecord.objects.get().status_code == 202
