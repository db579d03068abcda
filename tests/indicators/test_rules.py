"""The rules of activity results (issue 21): scope, breakdown, four eyes, review once, final approval, evidence,
replays, database constraints, disclosure and query counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client

from projects.disclosure import disclosed_headline, disclosed_progress
from projects.indicators.figures import activity_figures
from projects.indicators.models import IndicatorResult
from projects.indicators.services import correct_result, report_result, review_result
from projects.models import Project, Target
from projects.progress import project_progress
from projects.reports.indicators import achieved_shown
from projects.targets import headline_progress
from sites.models import AdminArea, Site
from tests.indicators.conftest import PNG, api_client

DAY = datetime.date(2024, 8, 1)


def report(world, code="latrines", who="officer", site="ML-MOP-WAL", **fields):
    fields.setdefault("quantity", 4)
    return report_result(
        reported_by=world["users"][who],
        indicator=world["indicators"][code],
        date=fields.pop("date", DAY),
        site=Site.objects.get(code=site) if site else None,
        **fields,
    )


def test_an_officer_reports_at_its_own_sites_only(world):
    with pytest.raises(ValidationError) as error:
        report(world, site="IQ-DUH-CHM")
    assert set(error.value.message_dict) == {"site"}
    with pytest.raises(ValidationError) as error:
        report(world, site=None, admin_area=AdminArea.objects.get(pcode="ML05"))
    assert "admin_area" in error.value.message_dict
    with pytest.raises(PermissionDenied):  # an indicator of a project the officer does not work on
        iraq = Project.objects.get(code="IRQ-ECHO-2026-WINTER")
        indicator = iraq.activity_indicators.create(code="x", name="X", unit="latrines")
        report_result(reported_by=world["users"]["officer"], indicator=indicator, date=DAY, quantity=1)


@pytest.mark.parametrize(
    ("code", "groups", "field"),
    [
        (
            "hygiene-awareness",
            {"females_0_17": 1, "males_0_17": 1, "females_18_plus": 1, "males_18_plus": 0},
            "quantity",
        ),
        ("hygiene-awareness", {"females_0_17": 4}, "males_0_17"),
        ("latrines", {"females_0_17": 1, "males_0_17": 1, "females_18_plus": 1, "males_18_plus": 1}, "females_0_17"),
    ],
)
def test_a_breakdown_is_all_four_groups_adding_up_for_a_disaggregated_indicator(world, code, groups, field):
    with pytest.raises(ValidationError) as error:
        report(world, code=code, **groups)
    assert field in error.value.message_dict
    assert not IndicatorResult.objects.exists()


def test_the_database_refuses_a_breakdown_that_does_not_add_up(world):
    result = report(world, code="hygiene-awareness")
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorResult.objects.filter(pk=result.pk).update(
            females_0_17=1, males_0_17=1, females_18_plus=1, males_18_plus=None
        )


def test_review_is_four_eyes_once_with_a_reason_to_return_and_approval_is_final(world):
    users = world["users"]
    result = report(world, who="manager")
    with pytest.raises(ValidationError) as error:
        review_result(result, reviewed_by=users["manager"], approve=True)
    assert "status" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        review_result(result, reviewed_by=users["officer"], approve=True)
    with pytest.raises(ValidationError) as error:
        review_result(result, reviewed_by=users["admin"], approve=False, reason="  ")
    assert "reason" in error.value.message_dict
    returned = review_result(result, reviewed_by=users["admin"], approve=False, reason="Date is wrong")
    assert (returned.status, returned.return_reason) == ("returned", "Date is wrong")
    with pytest.raises(ValidationError):
        review_result(result, reviewed_by=users["admin"], approve=True)  # not submitted again yet
    corrected = correct_result(result, corrected_by=users["manager"], date=datetime.date(2024, 8, 2))
    assert corrected.status == "submitted"
    approved = review_result(result, reviewed_by=users["admin"], approve=True)
    assert approved.status == "approved"
    with pytest.raises(ValidationError) as error:
        correct_result(result, corrected_by=users["manager"], quantity=9)
    assert "status" in error.value.message_dict


def test_api_answers_400_naming_the_field_and_replays_a_client_uuid(world):
    officer = api_client(world["users"]["officer"])
    body = {"indicator": world["indicators"]["latrines"].pk, "date": "2024-08-01", "site": "ML-MOP-WAL"}
    answer = officer.post("/api/v1/indicator-results/", {**body, "quantity": 0}, format="json")
    assert answer.status_code == 400 and "quantity" in str(answer.json())
    answer = officer.post("/api/v1/indicator-results/", {**body, "quantity": 2, "date": "2030-01-01"}, format="json")
    assert answer.status_code == 400 and "date" in str(answer.json())
    uuid = "0b9f4f8e-5a43-4d8e-9d59-0c0c4d2d7b11"
    first = officer.post("/api/v1/indicator-results/", {**body, "quantity": 2, "client_uuid": uuid}, format="json")
    again = officer.post("/api/v1/indicator-results/", {**body, "quantity": 2, "client_uuid": uuid}, format="json")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert IndicatorResult.objects.count() == 1
    manager = api_client(world["users"]["manager"])
    answer = manager.post(f"/api/v1/indicator-results/{first.json()['id']}/return/", {}, format="json")
    assert answer.status_code == 400 and "reason" in answer.json()["errors"]


def test_evidence_is_checked_then_served_only_within_scope(world):
    page = Client()
    page.force_login(world["users"]["officer"])
    form = {
        "indicator": world["indicators"]["latrines"].pk,
        "date": "2024-08-01",
        "site": Site.objects.get(code="ML-MOP-WAL").pk,
        "quantity": 2,
    }
    answer = page.post("/indicators/report/", {**form, "evidence": SimpleUploadedFile("a.png", b"%PDF-1.4")})
    assert answer.status_code == 200 and "Evidence must be a photo" in answer.content.decode()
    assert not IndicatorResult.objects.exists()
    answer = page.post("/indicators/report/", {**form, "evidence": SimpleUploadedFile("a.png", PNG)})
    result = IndicatorResult.objects.get()
    assert answer.status_code == 302 and result.evidence.name.startswith("indicator-evidence/")
    assert b"".join(page.get(f"/indicators/results/{result.pk}/evidence/").streaming_content) == PNG
    page.force_login(world["users"]["officer.iraq"])
    assert page.get(f"/indicators/results/{result.pk}/evidence/").status_code == 404
    page.force_login(world["users"]["donor"])
    assert page.get(f"/indicators/results/{result.pk}/evidence/").status_code == 403


def test_a_target_names_an_indicator_of_its_own_project(world):
    manager = api_client(world["users"]["admin"])
    iraq = Project.objects.get(code="IRQ-ECHO-2026-WINTER")
    body = {
        "project": iraq.code,
        "indicator": "activity",
        "activity_indicator": world["indicators"]["latrines"].pk,
        "target_value": 5,
    }
    answer = manager.post("/api/v1/targets/", body, format="json")
    assert answer.status_code == 400 and "activity_indicator" in answer.json()["errors"]


def test_few_people_are_withheld_from_aggregate_roles_not_latrines(world):
    users = world["users"]
    for code, quantity, extra in (
        ("hygiene-awareness", 3, {"females_0_17": 1, "males_0_17": 1, "females_18_plus": 1, "males_18_plus": 0}),
        ("latrines", 2, {}),
    ):
        review_result(report(world, code=code, quantity=quantity, **extra), reviewed_by=users["manager"], approve=True)
    progress = project_progress(world["project"])
    shown = {t.unit: t for t in disclosed_progress(progress, users["donor"]).targets if t.unit}
    assert shown["people"].achieved is None and set(shown["people"].sadd.values()) == {None}
    assert shown["latrines"].achieved == 2
    exact = {t.unit: t for t in disclosed_progress(progress, users["manager"]).targets if t.unit}
    assert exact["people"].achieved == 3
    headline = disclosed_headline(headline_progress(Project.objects.filter(pk=world["project"].pk)), users["donor"])
    people = [a for a in headline[world["project"].pk]["activities"] if a["unit"] == "people"]
    assert people[0]["achieved"] is None
    assert achieved_shown({"unit": "people", "achieved": 3}) == "<5"


def test_figures_take_one_query_for_every_activity_target(world, django_assert_num_queries):
    targets = list(Target.objects.filter(indicator="activity").select_related("activity_indicator"))
    assert len(targets) == 4
    with django_assert_num_queries(1):
        activity_figures(targets)
    with django_assert_num_queries(5):
        headline_progress(Project.objects.all())


def test_the_pages_are_small_and_right_to_left_in_arabic(world, django_assert_max_num_queries):
    page = Client()
    page.force_login(world["users"]["officer"])
    page.post("/i18n/setlang/", {"language": "ar", "next": "/indicators/"})
    result = report(world)
    sizes = {}
    for url in ("/indicators/", "/indicators/report/", f"/indicators/results/{result.pk}/"):
        with django_assert_max_num_queries(12):
            answer = page.get(url, HTTP_ACCEPT_LANGUAGE="ar")
        body = answer.content.decode()
        assert answer.status_code == 200 and 'dir="rtl"' in body and "الإبلاغ عن نتيجة" in body
        sizes[url] = len(answer.content)
    assert max(sizes.values()) < 20_000, sizes  # 2.0 to 4.6 KB measured
