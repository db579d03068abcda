"""Helpers of the registration-case tests (../shared/cases/registration/): the demo's users, API clients,
an import run the page's way, the case files."""

import csv
import io
from pathlib import Path

from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beneficiaries.imports import jobs
from beneficiaries.models import ImportJob, ImportRow
from tests.imports.conftest import upload, xlsx_bytes

CASES = Path(settings.BASE_DIR).parent / "shared" / "cases" / "registration"


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def imported(content: bytes, user, name="case.csv", source="", mapping=None) -> ImportJob:
    """The page's path: upload, the proposed (or given) mapping, the check, then the import."""
    job = jobs.create_job(uploaded=upload(content, name), created_by=user, source=source)
    jobs.set_mapping(job, mapping if mapping is not None else job.mapping, by=user)
    jobs.validate_job(job)
    jobs.start_import(job)
    return jobs.run_import(job)


def rows_of(job: ImportJob) -> dict[int, ImportRow]:
    return {row.row_number: row for row in ImportRow.objects.filter(job=job)}


def as_xlsx(content: bytes) -> bytes:
    headers, *rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    return xlsx_bytes(rows, headers=headers)


def case(name: str) -> bytes:
    return (CASES / name).read_bytes()
