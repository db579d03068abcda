import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role, User
from demo.loader import load_demo
from tests import factories

HEADERS = [
    "head_name",
    "sex",
    "birth_year",
    "site",
    "admin2_pcode",
    "status",
    "hh_size",
    "f_0_5",
    "f_6_17",
    "f_18_59",
    "f_60",
    "m_0_5",
    "m_6_17",
    "m_18_59",
    "m_60",
    "phone",
    "id_type",
    "id_number",
    "consent",
    "consent_date",
]
HXL_ROW = ["#beneficiary+name", "", "", "#loc+code", "#adm2+code", "", "#reached+ind"] + [""] * 13


def row(**changes) -> list[str]:
    values = {
        "head_name": "Aïssata Traoré",
        "sex": "F",
        "birth_year": "1985",
        "site": "WAL",
        "admin2_pcode": "ML0506",
        "status": "IDP",
        "hh_size": "3",
        "f_0_5": "0",
        "f_6_17": "1",
        "f_18_59": "1",
        "f_60": "0",
        "m_0_5": "1",
        "m_6_17": "0",
        "m_18_59": "0",
        "m_60": "0",
        "phone": "+223 70 11 22 33",
        "id_type": "",
        "id_number": "",
        "consent": "oui",
        "consent_date": "20/06/2024",
    }
    values.update(changes)
    return [values[header] for header in HEADERS]


def csv_bytes(rows: list[list[str]], *, delimiter=",", encoding="utf-8", headers=HEADERS, hxl=False) -> bytes:
    lines = [headers, *([HXL_ROW] if hxl else []), *rows]
    text = "\r\n".join(delimiter.join(_quote(cell, delimiter) for cell in line) for line in lines) + "\r\n"
    return text.encode(encoding)


def _quote(cell: str, delimiter: str) -> str:
    return f'"{cell}"' if delimiter in cell or '"' in cell else cell


def xlsx_bytes(rows: list[list], headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "households.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DJANGO_MEDIA_ROOT", str(tmp_path / "media"))  # a Celery worker started by a test


@pytest.fixture
def importer(mopti):
    """The Mopti officer (site WAL), plus another site out of the officer's scope and another admin 2."""
    factories.site("KOR", name="Koro", admin_area=factories.area("ML0401", "Ségou"))
    return mopti["officer"]


@pytest.fixture
def manager(mopti):
    return factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="manager")


@pytest.fixture
def demo(db):
    """The demo loaded; its field officers and manager by username (the registration cases' tests)."""
    load_demo()
    return {user.username: user for user in User.objects.filter(username__in=["officer", "officer.iraq", "manager"])}
