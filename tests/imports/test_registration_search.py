"""The registration cases (../shared/cases/registration/), continued: search as people type, the import API's
per-row outcomes, and the pages listing every column."""

import pytest

from beneficiaries.imports import jobs
from beneficiaries.models import Household, ImportJob
from beneficiaries.selectors import visible_household_matches
from tests.imports.conftest import upload
from tests.imports.registration_cases import CASES, api_for, case

pytestmark = pytest.mark.django_db

CASES_HERE = CASES.is_dir()
if not CASES_HERE:
    pytest.skip(f"the shared registration cases are not beside the project ({CASES})", allow_module_level=True)


# --- search as people type -----------------------------------------------------------------------------


def _searches() -> list[tuple[str, str]]:
    return [
        ("Kassogue", "Kassogué"),
        ("Sidibe", "Sidibé"),
        ("Maiga", "Maïga"),
        ("  kassogue  ", "Kassogué"),
    ]


@pytest.mark.parametrize(("typed", "family"), _searches())
def test_a_name_typed_without_accents_finds_the_household(demo, typed, family):
    wanted = Household.objects.filter(head_name__contains=family)
    assert wanted.exists(), f"the demo has no {family}"
    found = api_for(demo["officer"]).get("/api/v1/households/", {"search": typed, "page_size": 200}).json()
    codes = {item["registration_code"] for item in found["results"]}
    assert {household.display_code for household in wanted} <= codes or len(codes) >= 20
    assert all(family in item["head_name"] for item in found["results"])
    site = wanted.first().site
    in_site = visible_household_matches(demo["officer"], site, typed, limit=200)
    assert {h.pk for h in wanted.filter(site=site)} == {h.pk for h in in_site}


@pytest.mark.parametrize("typed", ["٠٧٥٠ {a} {b}", "0750 {a} {b}", "750{a}{b}", "+964 750 {a} {b}"])
def test_an_iraqi_phone_typed_any_way_finds_the_household(demo, typed):
    household = Household.objects.filter(site__code="IQ-DUH-CHM").exclude(phone="").order_by("pk").first()
    assert household.phone.startswith("+964750")  # stored in E.164
    local = household.phone.removeprefix("+964750")
    query = typed.format(a=local[:3], b=local[3:])
    if query.startswith("٠"):
        query = query.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    found = visible_household_matches(demo["officer.iraq"], household.site, query)
    assert household in found
    api_found = api_for(demo["officer.iraq"]).get("/api/v1/households/", {"search": query}).json()["results"]
    assert household.display_code in {item["registration_code"] for item in api_found}


# --- the import API's per-row outcomes; pages listing every column -------------------------------------


def test_the_import_api_answers_each_rows_outcome_with_the_household_it_resembles(
    demo, django_capture_on_commit_callbacks
):
    stored = Household.objects.filter(site__code="ML-MOP-WAL").order_by("pk").first()
    text = (
        "head_name,head_sex,head_birth_year,site,displacement_status,females_18_59,males_18_59,phone,consent\n"
        f"{stored.head_name},{stored.head_sex},{stored.head_birth_year},ML-MOP-WAL,idp,1,1,{stored.phone},oui\n"
        "Nouhoum Tessougué,M,1977,ML-MOP-WAL,idp,0,1,,oui\n"
        "Kadiatou Sangaré,F,1990,ML-MOP-WAL,idp,1,0,,no\n"
    )
    api = api_for(demo["officer"])
    with django_capture_on_commit_callbacks():
        response = api.post("/api/v1/imports/", {"file": upload(text.encode()), "commit": "true"}, format="multipart")
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    jobs.validate_job(job)
    jobs.start_import(job)
    jobs.run_import(job)
    body = api.get(f"/api/v1/imports/{job.pk}/").json()
    rows = {row["row"]: row for row in body["rows"]}
    assert rows[2]["outcome"] == "held"
    assert rows[2]["review"]["resembles"] == stored.display_code and rows[2]["review"]["reasons"]
    assert rows[3]["outcome"] == "created" and rows[3]["registration_code"]
    assert rows[4]["outcome"] == "invalid" and "Consent was not given" in rows[4]["errors"][0]["reason"]
    assert {entry["column"] for entry in body["columns"]} == set(job.headers)


def test_the_openapi_schema_says_the_import_answers_202(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    responses = schema["paths"]["/api/v1/imports/"]["post"]["responses"]
    assert "202" in responses and "201" not in responses


def test_the_pages_list_every_column_and_why_it_is_not_imported(client, demo):
    client.force_login(demo["officer"])
    content = case("kobo_export_respondent_ignored.csv")
    job = jobs.create_job(uploaded=upload(content), created_by=demo["officer"])
    mapping_page = client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert "About the respondent or the enumerator, not the household." in mapping_page
    jobs.set_mapping(job, job.mapping, by=demo["officer"])
    jobs.validate_job(job)
    detail = client.get(f"/imports/{job.pk}/").content.decode()
    for header in job.headers:
        assert header in detail


def test_the_kobo_export_through_the_import_api_without_a_mapping(demo, django_capture_on_commit_callbacks):
    api = api_for(demo["officer"])
    with django_capture_on_commit_callbacks():
        response = api.post(
            "/api/v1/imports/",
            {"file": upload(case("kobo_export_respondent_ignored.csv")), "commit": "true"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    jobs.validate_job(job)
    jobs.start_import(job)
    jobs.run_import(job)
    body = api.get(f"/api/v1/imports/{job.pk}/").json()
    assert body["rows"][0]["outcome"] == "created"
    household = Household.objects.get(head_name="Rokia Diarra")
    assert household.phone == "+22366009900"
    columns = {entry["column"]: entry for entry in body["columns"]}
    assert columns["respondent/name"]["status"] == "ignored" and columns["household/phone"]["field"] == "phone"


@pytest.mark.parametrize("typed", ["Kassogue", "  kassogue  "])
def test_the_field_apps_online_search_finds_kassogue(client, demo, typed):
    from django.urls import reverse

    from distributions.models import Distribution

    household = Household.objects.filter(head_name__contains="Kassogué").order_by("pk").first()
    distribution = Distribution.objects.filter(site=household.site).order_by("pk").first()
    assert distribution is not None, "the demo has no distribution at a Kassogué household's site"
    client.force_login(demo["officer"])
    page = client.get(reverse("distributions:search", kwargs={"pk": distribution.pk}), {"q": typed})
    assert page.status_code == 200
    assert household.display_code in page.content.decode() or household.head_name in page.content.decode()
