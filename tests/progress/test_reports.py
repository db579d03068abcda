"""Donor reports: built by the task (eager here, a real worker in test_report_worker.py), every format checked."""

import csv
import datetime
import io
import unicodedata

import hxl
import pytest
from django.core.files.storage import default_storage
from lxml import etree
from openpyxl import load_workbook

from accounts.models import User
from demo.loader import load_demo
from kits.models import KitType
from projects.models import ProgressReport, Project
from projects.report_jobs import build_report, sweep_stale_reports
from projects.reports import iati
from projects.services import request_monthly_reports, request_report

pytestmark = pytest.mark.usefixtures("eager_celery")


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def demo_report(db, media, django_capture_on_commit_callbacks):
    load_demo()
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            project=project,
            requested_by=User.objects.get(username="manager"),
            period_start=datetime.date(2024, 7, 1),
            period_end=datetime.date(2024, 7, 31),
        )
    report.refresh_from_db()
    return report


def read(report: ProgressReport, fmt: str) -> bytes:
    with default_storage.open(report.outputs[fmt], "rb") as handle:
        return handle.read()


def test_report_is_built_with_every_format(demo_report):
    assert demo_report.status == ProgressReport.Status.DONE, demo_report.error
    assert set(demo_report.outputs) == {"json", "xlsx", "pdf", "csv", "xml"}
    targets = {t["label"]: (t["achieved"], t["target"]) for t in demo_report.figures["cumulative"]["targets"]}
    assert targets["Emergency shelter kit (green)"] == (100, 450)
    assert targets["NFI kit"] == (75, 640)


def test_xlsx_has_every_sheet_and_no_personal_data(demo_report):
    workbook = load_workbook(io.BytesIO(read(demo_report, "xlsx")))
    assert workbook.sheetnames == [
        "Summary",
        "By region",
        "By site",
        "By kit type",
        "By sex and age",
        "By vulnerability",
        "Distributions",
        "Kit pipeline",  # issue 20: tests/stock/test_pipeline_report.py
        "Activity results",
        "Handovers",
    ]
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    shelter = next(row for row in summary if row[1] == "Emergency shelter kit (green)")
    assert shelter[2:4] == (450, 100)
    *site_rows, total = workbook["By site"].iter_rows(min_row=2, values_only=True)
    assert total[0] == "Total" and total[4] == sum(row[4] for row in site_rows)
    sites = {row[2]: row[4] for row in site_rows}
    assert sites == {"Sarema": 28, "Takouti": 50, "Tombouctou Coura": 27, "Walirdé": 70}
    every_cell = " ".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row)
    # A household that received a kit (the demo's second Mopti round has none yet).
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    names = project.distributions.filter(receipts__isnull=False).first().receipts.first().household.head_name
    assert names not in every_cell and "+223" not in every_cell


def test_pdf_text_carries_the_figures(demo_report):
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(read(demo_report, "pdf"))).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert "Responding to the needs of internally displaced persons" in text
    assert "Emergency shelter kit (green)" in text and "450" in text and "100" in text


def test_hxl_csv_reads_back_with_libhxl(demo_report):
    data = hxl.data(hxl.input.make_input(io.BytesIO(read(demo_report, "csv")), hxl.InputOptions(allow_local=True)))
    rows = list(data)
    assert "#reached+hh" in [column.display_tag for column in data.columns]
    shelter = [row for row in rows if row.get("#item+name") == "Emergency shelter kit (green)"]
    assert sum(int(row.get("#output+kits")) for row in shelter) == 100
    assert sum(int(row.get("#reached+hh")) for row in shelter) == 100
    walirde = next(row for row in shelter if row.get("#loc+name") == "Walirdé")
    assert walirde.get("#adm2+code") == "ML0506" and walirde.get("#org+funding") == "Government of Japan"
    assert "+223" not in read(demo_report, "csv").decode()


@pytest.mark.skipif(not iati.schema_path().exists(), reason="the IATI schema folder is absent")
def test_iati_xml_validates_against_the_203_schema(demo_report):
    xml = read(demo_report, "xml")
    iati.validate(xml)
    root = etree.fromstring(xml)
    shelter = root.xpath("//result[title/narrative='Kits distributed: Emergency shelter kit (green)']//period")[0]
    assert shelter.find("target").get("value") == "450"
    assert shelter.find("actual").get("value") == "100"
    assert root.find(".//sector").get("code") == "72010"


def test_building_twice_yields_one_set_of_outputs(demo_report, media):
    ProgressReport.objects.filter(pk=demo_report.pk).update(status=ProgressReport.Status.QUEUED)
    assert build_report(demo_report.pk) == "built"
    assert build_report(demo_report.pk) == "skipped"  # done: a redelivered message changes nothing
    files = sorted(path.name for path in media.rglob("*") if path.is_file())
    assert files == [f"progress-report-{demo_report.pk}.{ext}" for ext in ("csv", "json", "pdf", "xlsx", "xml")]


def test_request_validates_the_period(db):
    from django.core.exceptions import ValidationError

    load_demo()
    with pytest.raises(ValidationError) as error:
        request_report(
            project=Project.objects.first(),
            requested_by=None,
            period_start=datetime.date(2024, 7, 31),
            period_end=datetime.date(2024, 7, 1),
        )
    assert "period_end" in error.value.message_dict
    assert not ProgressReport.objects.exists()


def test_monthly_schedule_requests_one_report_per_active_project_once(db, media, django_capture_on_commit_callbacks):
    load_demo()
    with django_capture_on_commit_callbacks(execute=True):
        first = request_monthly_reports(datetime.date(2024, 8, 1))
        again = request_monthly_reports(datetime.date(2024, 8, 1))
    assert [r.project.code for r in first] == ["MLI-JPN-2024-SNFI"]  # Iraq starts in 2026
    assert [r.pk for r in again] == [r.pk for r in first]
    report = ProgressReport.objects.get()
    assert (report.period_start, report.period_end, report.status) == (
        datetime.date(2024, 7, 1),
        datetime.date(2024, 7, 31),
        ProgressReport.Status.DONE,
    )


def test_sweep_resends_reports_left_queued_or_with_an_expired_lease(db, media):
    from django.utils import timezone

    load_demo()
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    lost = ProgressReport.objects.create(
        project=project, period_start=datetime.date(2024, 7, 1), period_end=datetime.date(2024, 7, 31)
    )
    dead = ProgressReport.objects.create(
        project=project,
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 7, 31),
        status=ProgressReport.Status.RUNNING,
        lease_expires_at=long_ago,
    )
    live = ProgressReport.objects.create(
        project=project,
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 7, 31),
        status=ProgressReport.Status.RUNNING,
        lease_expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    ProgressReport.objects.filter(pk=lost.pk).update(requested_at=long_ago)
    assert sweep_stale_reports() == 2
    statuses = dict(ProgressReport.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "done", dead.pk: "done", live.pk: "running"}


def test_csv_has_hxl_row_second(demo_report):
    lines = list(csv.reader(io.StringIO(read(demo_report, "csv").decode())))
    assert lines[1][0] == "#org+impl"


def test_a_report_from_the_demo_downloads_in_every_format_from_the_dashboard(
    client, db, media, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    load_demo()
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    client.force_login(User.objects.get(username="manager"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dashboard:request-report", args=[project.pk]),
            {"period_start": "2024-07-01", "period_end": "2024-07-31"},
        )
    assert response.status_code == 302
    page = client.get(reverse("dashboard:project", args=[project.pk])).content.decode()
    report = ProgressReport.objects.get()
    assert report.requested_by.username == "manager"
    for fmt, magic in (
        ("pdf", b"%PDF"),
        ("xlsx", b"PK"),
        ("csv", b"\xef\xbb\xbfImplementing"),
        ("xml", b"<?xml"),
        ("json", b"{"),
    ):
        url = reverse("dashboard:report-download", args=[report.pk, fmt])
        assert url in page
        download = client.get(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(magic)
    client.force_login(User.objects.get(username="donor"))
    assert client.get(reverse("dashboard:report-download", args=[report.pk, "pdf"])).status_code == 200
    client.force_login(User.objects.get(username="officer.iraq"))
    assert client.get(reverse("dashboard:report-download", args=[report.pk, "pdf"])).status_code == 404
    client.force_login(User.objects.get(username="donor"))
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            reverse("dashboard:request-report", args=[project.pk]),
            {"period_start": "2024-07-01", "period_end": "2024-07-31"},
        )
    assert refused.status_code == 403


def test_beat_schedules_are_editable_rows(db):
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks["projects.tasks.request_monthly_reports"] is True
    assert tasks["projects.tasks.sweep_stale_reports"] is True
    monthly = PeriodicTask.objects.get(task="projects.tasks.request_monthly_reports")
    assert (monthly.crontab.day_of_month, monthly.crontab.hour) == ("1", "2")


def request_in(client, language: str, django_capture_on_commit_callbacks) -> ProgressReport:
    """A report asked for from the dashboard by a manager whose browser asks for `language`."""
    from django.urls import reverse

    load_demo()
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    client.force_login(User.objects.get(username="manager"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dashboard:request-report", args=[project.pk]),
            {"period_start": "2024-07-01", "period_end": "2024-07-31"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    return ProgressReport.objects.get()


def pdf_text(report: ProgressReport) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(read(report, "pdf"))).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_a_report_asked_for_in_french_is_written_in_french(client, db, media, django_capture_on_commit_callbacks):
    report = request_in(client, "fr", django_capture_on_commit_callbacks)
    assert (report.language, report.status) == ("fr", ProgressReport.Status.DONE), report.error

    workbook = load_workbook(io.BytesIO(read(report, "xlsx")))
    assert workbook.sheetnames == [
        "Résumé",
        "Par région",
        "Par site",
        "Par type de kit",
        "Par sexe et âge",
        "Par vulnérabilité",
        "Distributions",
        "Chaîne des kits",  # issue 20: the kit pipeline
        "Résultats d'activités",
        "Remises",
    ]
    summary = list(workbook["Résumé"].iter_rows(values_only=True))
    assert [row[0] for row in summary[:4]] == ["Projet", "Bailleur", "Début de période", "Fin de période"]
    # Names per language (the demo names its project, kits and distributions in French).
    assert "Répondre aux besoins des personnes déplacées" in summary[0][1]
    kit_names = [row[0] for row in workbook["Par type de kit"].iter_rows(min_row=2, values_only=True)]
    assert "Kit d'abri d'urgence (vert)" in kit_names
    distribution_names = [row[0] for row in workbook["Distributions"].iter_rows(min_row=2, values_only=True)]
    assert "Mopti urbain, juillet 2024 : Walirdé" in distribution_names
    assert (summary[2][1], summary[3][1]) == (datetime.datetime(2024, 7, 1), datetime.datetime(2024, 7, 31))  # dates
    header = next(row for row in summary if row[0] == "Indicateur")
    assert header[:4] == ("Indicateur", "Quoi", "Cible", "Atteint à ce jour")
    shelter = next(row for row in summary if row[1] == "Kit d'abri d'urgence (vert)")  # the kit's French name
    assert (shelter[0], shelter[2], shelter[3]) == ("Kits distribués", 450, 100)
    assert shelter[7] in ("Dans les temps", "En retard")
    assert [row[0] for row in workbook["Par sexe et âge"].iter_rows(max_row=2, values_only=True)] == [
        "Âge",
        "0-5",
    ]

    text = pdf_text(report)
    assert "Rapport de progression du 1 juil. 2024 au 31 juil. 2024" in text
    assert "Progression par rapport aux cibles" in text and "Personnes atteintes par sexe et âge" in text
    assert "Progress against targets" not in text

    # Machine-read outputs keep the default language: IATI narratives declare English.
    assert b"Kits distributed: Emergency shelter kit (green)" in read(report, "xml")


def test_an_arabic_report_has_arabic_xlsx_and_pdf_headings(client, db, media, django_capture_on_commit_callbacks):
    report = request_in(client, "ar", django_capture_on_commit_callbacks)
    assert (report.language, report.status) == ("ar", ProgressReport.Status.DONE), report.error
    workbook = load_workbook(io.BytesIO(read(report, "xlsx")))
    assert workbook.sheetnames[0] == "الملخص"
    arabic_name = KitType.objects.get(name="Emergency shelter kit (green)").name_ar
    assert arabic_name and arabic_name in [row[1] for row in workbook["الملخص"].iter_rows(values_only=True)]
    assert b"Kits distributed: Emergency shelter kit (green)" in read(report, "xml")  # IATI stays English
    # The PDF in Arabic too, shaped (tests/outputs/test_pdf.py): pypdf reads the joined forms back in order.
    text = unicodedata.normalize("NFKC", pdf_text(report))
    assert "Progress against targets" not in text and "التقدم مقارنة بالأهداف" in text


def test_a_report_asked_for_in_an_unknown_language_is_in_the_default_one(db):
    load_demo()
    report = request_report(
        project=Project.objects.get(code="MLI-JPN-2024-SNFI"),
        requested_by=None,
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 7, 31),
        language="xx",
    )
    assert report.language == "en"
