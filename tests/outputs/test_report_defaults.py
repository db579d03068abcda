"""Report defaults (issue 15): the dashboard proposes a period with figures, date inputs take ISO values in
every language, and the IATI activity's status and result periods follow its dates."""

import copy
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from accounts.models import User
from distributions.models import Receipt
from projects.models import Project
from projects.reports import iati
from projects.selectors import default_report_period
from tests import factories


def _date_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="date" name="(\w+)" value="([^"]*)"', html))


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_report_request_of_an_ended_project_proposes_its_whole_period_in_iso(demo, client, language):
    client.force_login(User.objects.get(username="manager"))
    page = client.get(
        reverse("dashboard:project", args=[demo.pk]) + "?start=2024-07-01&end=2024-07-31",
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    inputs = _date_inputs(page)
    # The project ran from 1 July 2024 to 30 June 2025: a last-calendar-month report would be all zeros.
    assert (inputs["period_start"], inputs["period_end"]) == ("2024-07-01", "2025-06-30")
    assert (inputs["start"], inputs["end"]) == ("2024-07-01", "2024-07-31")  # the filters too, not 01/07/2024


def test_a_french_request_with_the_proposed_iso_dates_is_accepted(demo, client):
    client.force_login(User.objects.get(username="manager"))
    answer = client.post(
        reverse("dashboard:request-report", args=[demo.pk]),
        {"period_start": "2024-07-01", "period_end": "2025-06-30"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert answer.status_code == 302
    assert demo.reports.get().period_end == datetime.date(2025, 6, 30)


def test_a_running_project_proposes_its_last_month_with_receipts(demo):
    iraq = Project.objects.get(code="IRQ-ECHO-2026-WINTER")  # 1 October 2026 to 31 March 2027
    last = max(
        timezone.localtime(moment).date()
        for moment in Receipt.objects.filter(distribution__project=iraq, voided_at__isnull=True).values_list(
            "received_at", flat=True
        )
    )
    month = last.replace(day=1)
    month_end = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1) - datetime.timedelta(days=1)
    assert default_report_period(iraq, datetime.date(2027, 3, 10)) == (month, month_end)
    # In the month of its last receipt: up to today.
    assert default_report_period(iraq, last) == (month, last)
    # Ended: the whole period.
    assert default_report_period(iraq, datetime.date(2027, 4, 1)) == (
        datetime.date(2026, 10, 1),
        datetime.date(2027, 3, 31),
    )


def test_a_project_without_receipts_proposes_its_start_to_today(db):
    project = factories.project("NEW", start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2027, 9, 30))
    assert default_report_period(project, datetime.date(2026, 12, 6)) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 6),
    )


FROZEN = {"status": "active", "start_date": "2024-07-01", "end_date": "2025-06-30"}


@pytest.mark.parametrize(
    ("today", "status", "code"),
    [
        ("2024-06-30", "active", "1"),  # pipeline
        ("2024-07-01", "active", "2"),  # implementation
        ("2025-06-30", "active", "2"),
        ("2025-07-01", "active", "3"),  # finalisation: the end date has passed
        ("2026-12-06", "planned", "3"),
        ("2025-01-01", "closed", "4"),
        ("2025-01-01", "suspended", "6"),  # 5 is "cancelled"
    ],
)
def test_iati_activity_status_follows_the_dates(today, status, code):
    assert iati.activity_status({**FROZEN, "status": status}, datetime.date.fromisoformat(today)) == code


def test_iati_result_periods_stay_within_the_activity():
    assert iati.result_period(FROZEN, {"period_end": "2024-07-31"}) == ("2024-07-01", "2024-07-31")
    assert iati.result_period(FROZEN, {"period_end": "2026-01-31"}) == ("2024-07-01", "2025-06-30")


@pytest.mark.skipif(not iati.schema_path().exists(), reason="the IATI schema folder is absent")
def test_the_iati_file_of_an_ended_project_validates_with_finalisation_and_clamped_periods(request_demo_report):
    figures = copy.deepcopy(request_demo_report().figures)
    figures["report"]["period_end"] = "2026-01-31"  # after the activity's end
    xml = iati.build(figures)
    iati.validate(xml)
    activity = etree.fromstring(xml).find("iati-activity")
    assert activity.find("activity-status").get("code") == "3"  # ended 30 June 2025
    ends = {element.get("iso-date") for element in activity.iter("period-end")}
    assert ends == {"2025-06-30"}
