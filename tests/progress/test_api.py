"""The partner API's progress twin and donor report endpoints."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from demo.loader import load_demo
from projects.models import ProgressReport, Project


@pytest.fixture(autouse=True)
def eager_celery_and_media(eager_celery, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # throttle counters


@pytest.fixture
def demo(db):
    load_demo()
    return Project.objects.get(code="MLI-JPN-2024-SNFI")


def api_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def test_progress_twin_has_the_dashboard_figures(demo):
    response = api_as("partner").get(f"/api/v1/projects/{demo.pk}/progress/")
    assert response.status_code == 200
    targets = {t["label"]: (t["achieved"], t["target"]) for t in response.json()["targets"]}
    assert targets["Emergency shelter kit (green)"] == (100, 450)
    assert targets["NFI kit"] == (75, 640)
    assert response.json()["reach"]["households"] == 100


def test_progress_twin_filters_and_refuses_bad_input(demo):
    client = api_as("partner")
    narrowed = client.get(f"/api/v1/projects/{demo.pk}/progress/", {"kit_category": "nfi", "bucket": "month"})
    assert [row["kit_type__code"] for row in narrowed.json()["kits_by_type"]] == ["NFI-ML"]
    bad = client.get(f"/api/v1/projects/{demo.pk}/progress/", {"start": "2024-07-31", "end": "2024-07-01"})
    assert bad.status_code == 400
    assert "end" in str(bad.json())


def test_progress_twin_is_scoped(demo):
    iraq = Project.objects.get(code="IRQ-ECHO-2026-WINTER")
    assert api_as("donor").get(f"/api/v1/projects/{iraq.pk}/progress/").status_code == 404


def test_post_report_answers_202_with_its_url_and_builds_it(demo, django_capture_on_commit_callbacks):
    client = api_as("manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/",
            {"project": demo.pk, "period_start": "2024-07-01", "period_end": "2024-07-31"},
            format="json",
        )
    assert response.status_code == 202
    assert response["Location"] == response.json()["url"]
    report = client.get(response.json()["url"]).json()
    assert report["status"] == "done"
    assert set(report["downloads"]) == {"json", "xlsx", "pdf", "csv", "xml"}
    pdf = client.get(report["downloads"]["pdf"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert [r["id"] for r in client.get("/api/v1/reports/").json()] == [report["id"]]


def test_post_report_errors_name_the_field(demo):
    client = api_as("manager")
    response = client.post(
        "/api/v1/reports/",
        {"project": demo.pk, "period_start": "2024-07-31", "period_end": "2024-07-01"},
        format="json",
    )
    assert response.status_code == 400 and "period_end" in str(response.json())
    assert not ProgressReport.objects.exists()
    assert (
        api_as("donor")
        .post(
            "/api/v1/reports/",
            {"project": demo.pk, "period_start": "2024-07-01", "period_end": "2024-07-31"},
            format="json",
        )
        .status_code
        == 403
    )


def test_project_serializer_carries_headline_progress(demo, django_assert_max_num_queries):
    response = api_as("manager").get("/api/v1/projects/")
    assert response.status_code == 200
    body = response.json()
    projects = body["results"] if isinstance(body, dict) else body
    mopti = next(p for p in projects if p["code"] == "MLI-JPN-2024-SNFI")
    assert (mopti["progress"]["kits"], mopti["progress"]["kits_target"]) == (175, 1090)
    assert mopti["progress"]["households"] == 100


def test_progress_twin_filters_by_kit_type_and_names_a_bad_one(demo):
    from kits.models import KitType

    client = api_as("partner")
    nfi = KitType.objects.get(code="NFI-ML")
    narrowed = client.get(f"/api/v1/projects/{demo.pk}/progress/", {"kit_type": nfi.pk})
    assert narrowed.status_code == 200
    assert [row["kit_type__code"] for row in narrowed.json()["kits_by_type"]] == ["NFI-ML"]
    assert narrowed.json()["filters"] == {"kit_type": str(nfi.pk)}
    winter = KitType.objects.get(code="WINTER-IQ")  # a kit type of another project
    for value in ("abc", winter.pk):
        bad = client.get(f"/api/v1/projects/{demo.pk}/progress/", {"kit_type": value})
        assert bad.status_code == 400
        assert {name.split(".")[0] for name in bad.json()["errors"]} == {"kit_type"}


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"area": "Mopti"}, "filters.area"),
        ({"kit_category": "food"}, "filters.kit_category"),
        ({"colour": "red"}, "filters"),
    ],
)
def test_report_request_refuses_a_bad_filter_naming_it(demo, filters, field):
    response = api_as("manager").post(
        "/api/v1/reports/",
        {"project": demo.pk, "period_start": "2024-07-01", "period_end": "2024-07-31", "filters": filters},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not ProgressReport.objects.exists()  # nothing half-written


def test_report_built_with_a_kit_type_filter_counts_that_kit_only(demo, django_capture_on_commit_callbacks):
    from kits.models import KitType

    nfi = KitType.objects.get(code="NFI-ML")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("manager").post(
            "/api/v1/reports/",
            {
                "project": demo.pk,
                "period_start": "2024-07-01",
                "period_end": "2024-07-31",
                "filters": {"kit_type": str(nfi.pk)},
            },
            format="json",
        )
    assert response.status_code == 202
    report = ProgressReport.objects.get()
    assert report.status == ProgressReport.Status.DONE, report.error
    assert [row["kit_type__code"] for row in report.figures["period"]["kits_by_type"]] == ["NFI-ML"]


def test_a_report_filter_naming_no_record_of_the_project_is_a_400_as_on_the_progress_api(demo):
    """Review of issue 13: the progress API refuses `site=<an id not of this project>` (400), but POST /reports/
    accepted the same filter and built an empty report (202). One filter, one answer."""
    from sites.models import Site

    other_site = Site.objects.exclude(distributions__project=demo).first().pk
    client = api_as("manager")
    for name, value in (("site", other_site), ("site", 99999999999999999999), ("area", 99999), ("kit_type", 99999)):
        assert client.get(f"/api/v1/projects/{demo.pk}/progress/", {name: value}).status_code == 400
        response = client.post(
            "/api/v1/reports/",
            {"project": demo.pk, "period_start": "2024-07-01", "period_end": "2024-07-31", "filters": {name: value}},
            format="json",
        )
        assert response.status_code == 400, (name, value, response.content)
        assert f"filters.{name}" in response.json()["errors"]
    assert not ProgressReport.objects.exists()


def test_progress_filter_errors_are_named_by_the_field_as_everywhere_in_the_api(demo):
    """Review of issue 13: a bad filter came back as {"site.0.message": [...], "site.0.code": [...]}, not the
    API's {"site": [message]} (api/problems.py), so a client looking up errors["site"] found nothing."""
    response = api_as("manager").get(
        f"/api/v1/projects/{demo.pk}/progress/", {"site": "abc", "start": "2024-02-30", "bucket": "year"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"site", "start", "bucket"}
    assert all(isinstance(messages, list) and all(isinstance(m, str) for m in messages) for messages in errors.values())
