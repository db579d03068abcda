"""CSV meant for people starts with a UTF-8 byte-order mark (Excel on Windows), `?bom=0` for machines (issue 15)."""

import pytest

from accounts.models import User
from tests.api.conftest import client_for

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def manager(demo):
    return User.objects.get(username="manager")


def test_3w_csv_starts_with_a_bom_and_not_with_bom_0(manager):
    api = client_for(manager)
    with_mark = b"".join(api.get("/api/v1/exports/3w.csv").streaming_content)
    assert with_mark.startswith(BOM + b"Implementing organisation,")
    assert "Walirdé".encode() in with_mark
    without = b"".join(api.get("/api/v1/exports/3w.csv?bom=0").streaming_content)
    assert without == with_mark[len(BOM) :]
    assert b"".join(api.get("/api/v1/exports/3w.csv?bom=1").streaming_content) == with_mark
    assert not b"".join(api.get("/api/v1/exports/3w.json").streaming_content).startswith(BOM)


def test_an_unknown_bom_value_is_a_field_error(manager, request_demo_report, client):
    answer = client_for(manager).get("/api/v1/exports/3w.csv?bom=yes")
    assert answer.status_code == 400 and "bom" in answer.json()["errors"]
    report = request_demo_report()
    assert client_for(manager).get(f"/api/v1/reports/{report.pk}/csv/?bom=2").status_code == 400
    client.force_login(manager)
    assert client.get(f"/dashboard/reports/{report.pk}/csv/?bom=2").status_code == 400


def test_donor_report_csv_has_a_bom_in_both_downloads(manager, request_demo_report, client):
    report = request_demo_report()
    api = client_for(manager)
    with_mark = b"".join(api.get(f"/api/v1/reports/{report.pk}/csv/").streaming_content)
    assert with_mark.startswith(BOM + b"Implementing organisation,")
    without = b"".join(api.get(f"/api/v1/reports/{report.pk}/csv/?bom=0").streaming_content)
    assert without == with_mark[len(BOM) :]
    client.force_login(manager)
    page = client.get(f"/dashboard/reports/{report.pk}/csv/")
    assert b"".join(page.streaming_content) == with_mark
    plain = client.get(f"/dashboard/reports/{report.pk}/csv/?bom=0")
    assert b"".join(plain.streaming_content) == without and int(plain["Content-Length"]) == len(without)
    # Other formats are untouched by the parameter.
    xlsx = b"".join(api.get(f"/api/v1/reports/{report.pk}/xlsx/?bom=0").streaming_content)
    assert xlsx.startswith(b"PK")
