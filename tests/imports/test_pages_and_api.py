"""Import pages, the review screen, the import API and the KoboToolbox webhook."""

import openpyxl
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from beneficiaries.imports import jobs
from beneficiaries.models import DuplicateReview, ExternalSubmission, Household, ImportJob
from tests import factories
from tests.imports.conftest import csv_bytes, row, upload

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_an_officer_uploads_maps_checks_and_imports_through_the_pages(client, importer):
    client.force_login(importer)
    response = client.post("/imports/", {"file": upload(csv_bytes([row(), row(phone="12 34")])), "source": "partner A"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/mapping/"

    page = client.get(response.url).content.decode()
    assert "head_name" in page and 'value="head_name" selected' in page
    choices = {f"column-{i}": job.mapping.get(header, "") for i, header in enumerate(job.headers)}
    assert client.post(response.url, choices).url == f"/imports/{job.pk}/"
    jobs.validate_job(ImportJob.objects.get())  # what the queued Celery task does

    detail = client.get(f"/imports/{job.pk}/").content.decode()
    assert "&#x27;12 34&#x27; is not a phone number" in detail and "Import the 1 valid row" in detail
    assert client.get(f"/imports/{job.pk}/status.json").json()["invalid_rows"] == 1
    download = client.get(f"/imports/{job.pk}/refused-rows.xlsx")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert client.post(f"/imports/{job.pk}/start/").status_code == 302
    jobs.run_import(ImportJob.objects.get())
    assert "Imported" in client.get(f"/imports/{job.pk}/").content.decode()
    assert Household.objects.count() == 1


def test_a_running_import_shows_a_progress_bar_that_works_without_javascript(client, importer):
    client.force_login(importer)
    job = jobs.create_job(uploaded=upload(csv_bytes([row()])), created_by=importer)
    jobs.set_mapping(job, job.mapping, by=importer)  # now checking
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "<progress" in page and 'http-equiv="refresh"' in page and "imports/progress.js" in page


def test_imports_are_scoped(client, importer, mopti):
    job = jobs.create_job(uploaded=upload(csv_bytes([row()])), created_by=importer)
    donor = factories.user(Role.DONOR_VIEWER, projects=[mopti["project"]])
    other_officer = factories.user(Role.FIELD_OFFICER, sites=[mopti["site"]])
    client.force_login(donor)
    assert client.get("/imports/").status_code == 403
    client.force_login(other_officer)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.get("/imports/review/").status_code == 403  # reviewing is a manager's decision


def _flagged_pair(site):
    kept = factories.household(site, head_name="Aminata Traoré", confirmed_distinct=False)
    new = factories.household(site, head_name="Aminata Touré", confirmed_distinct=False, phone="")
    return kept, new


def test_a_manager_merges_a_flagged_pair_on_the_review_screen(client, manager, mopti):
    kept, new = _flagged_pair(mopti["site"])
    review = new.duplicate_review
    client.force_login(manager)
    listing = client.get("/imports/review/").content.decode()
    assert "Aminata Touré" in listing and f"/imports/review/{review.pk}/" in listing
    response = client.post(f"/imports/review/{review.pk}/", {"action": "merge-candidate"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.merged_into == kept and not new.is_active
    assert DuplicateReview.objects.get().status == "merged"


def test_a_manager_confirms_a_held_registration_distinct(client, manager, mopti):
    from beneficiaries import duplicate_services
    from beneficiaries.duplicates import best_match

    factories.household(mopti["site"], head_name="Mohamed Traoré", head_sex="M", confirmed_distinct=False)
    fields = {
        "head_name": "Muhammad Traore",
        "head_sex": "M",
        "head_birth_year": 1985,
        "displacement_status": "idp",
        "males_18_59": 1,
        "site": mopti["site"],
        "phone": "+223 70 12 34 56",
    }
    match = best_match(Household(**fields))
    review = duplicate_services.hold_registration(fields=fields, match=match, held_by=mopti["officer"])
    client.force_login(manager)
    assert "Held registration" in client.get(f"/imports/review/{review.pk}/").content.decode()
    client.post(f"/imports/review/{review.pk}/", {"action": "distinct"})
    assert Household.objects.filter(head_name="Muhammad Traore").count() == 1


def test_the_import_api_checks_then_imports(importer, django_capture_on_commit_callbacks):
    api = token_client(importer)
    with django_capture_on_commit_callbacks() as queued:
        response = api.post(
            "/api/v1/imports/",
            {"file": upload(csv_bytes([row(), row(sex="?")])), "source": "partner-api", "commit": "true"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert len(queued) == 1  # the check is queued for a worker
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.import_after_validation
    jobs.validate_job(job)
    jobs.start_import(job)
    jobs.run_import(job)
    body = api.get(f"/api/v1/imports/{job.pk}/").json()
    assert (body["status"], body["created"], body["invalid_rows"]) == ("completed", 1, 1)
    assert body["refused_rows"][0]["row"] == 3
    assert body["refused_rows"][0]["errors"][0]["column"] == "sex"


def test_the_import_api_refuses_a_mapping_without_required_columns(importer):
    response = token_client(importer).post(
        "/api/v1/imports/",
        {"file": upload(csv_bytes([row()])), "mapping": '{"head_name": "head_name"}'},
        format="multipart",
    )
    assert response.status_code == 400
    assert "required" in str(response.json())
    assert not ImportJob.objects.exists()


def kobo_submission(**changes) -> dict:
    submission = {
        "_id": 1042,
        "_uuid": "3f1c6a52-4ad7-4b35-9d30-6d7b1a1e0a01",
        "_status": "submitted_via_web",
        "_submission_time": "2024-06-20T10:12:31",
        "_attachments": [],
        "formhub/uuid": "0f5a8e",
        "start": "2024-06-20T10:00:00.000+00:00",
        "household/head_name": "Bintou Guindo",
        "household/head_sex": "female",
        "household/head_birth_year": "1991",
        "household/displacement_status": "idp",
        "location/site": "WAL",
        "household/members/females_18_59": "1",
        "household/members/females_0_5": "2",
        "household/phone": "76 54 32 10",
        "household/consent": "yes",
        "meta/instanceID": "uuid:3f1c6a52-4ad7-4b35-9d30-6d7b1a1e0a01",
    }
    submission.update(changes)
    return submission


def test_the_kobo_webhook_registers_a_submission_once(importer):
    api = token_client(importer)
    response = api.post("/api/v1/kobo/submissions/?source=aHw3Registration", kobo_submission(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "created"
    household = Household.objects.get()
    assert (household.head_name, household.household_size, household.phone) == ("Bintou Guindo", 3, "+22376543210")
    again = api.post("/api/v1/kobo/submissions/?source=aHw3Registration", kobo_submission(), format="json")
    assert again.status_code == 200 and again.json()["replay"] is True
    assert Household.objects.count() == 1


def test_the_kobo_webhook_explains_refusals_and_holds_duplicates(importer):
    api = token_client(importer)
    api.post("/api/v1/kobo/submissions/", kobo_submission(), format="json")
    refused = api.post(
        "/api/v1/kobo/submissions/",
        kobo_submission(_uuid="bad-1", **{"household/head_birth_year": "1791"}),
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["column"] == "household/head_birth_year"
    held = api.post(
        "/api/v1/kobo/submissions/",
        kobo_submission(_uuid="dup-1", **{"household/head_name": "GUINDO Bintou"}),
        format="json",
    )
    assert held.status_code == 201 and held.json()["outcome"] == "held"
    assert Household.objects.count() == 1
    assert ExternalSubmission.objects.count() == 3


def test_the_kobo_webhook_needs_a_token_of_an_importer(mopti):
    assert APIClient().post("/api/v1/kobo/submissions/", kobo_submission(), format="json").status_code == 401
    donor = factories.user(Role.DONOR_VIEWER, projects=[mopti["project"]])
    assert token_client(donor).post("/api/v1/kobo/submissions/", kobo_submission(), format="json").status_code == 403


def test_the_errors_workbook_is_a_real_xlsx(client, importer):
    client.force_login(importer)
    job = jobs.create_job(uploaded=upload(csv_bytes([row(sex="?")])), created_by=importer)
    jobs.set_mapping(job, job.mapping, by=importer)
    jobs.validate_job(job)
    response = client.get(f"/imports/{job.pk}/refused-rows.xlsx")
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    assert (
        list(sheet.iter_rows(values_only=True))[1][-1]
        == "sex: '?' is not a sex we know: write F or M (female/male, femme/homme)."
    )
