"""Issue 13: a target's achieved figure is the same wherever it is shown.

The project list (page and API headline), the project's dashboard, the progress API and a donor
report (built eagerly, its frozen JSON figures) all read `projects.targets.achieved_against`;
these tests hold them to the same figures with targets narrowed by kit type, kit category, area
and period, on the demo's Mopti project (every receipt in Mopti region ML05, area ML0506, in July 2024).
"""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from demo.loader import load_demo
from kits.models import KitCategory, KitType
from projects.models import ProgressReport, Project, Target, TargetPeriod
from projects.services import request_report
from sites.models import AdminArea

KITS = Target.Indicator.KITS_DISTRIBUTED
HOUSEHOLDS = Target.Indicator.HOUSEHOLDS_REACHED


pytestmark = pytest.mark.usefixtures("eager_celery")


@pytest.fixture
def mopti(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    load_demo()
    return Project.objects.get(code="MLI-JPN-2024-SNFI")


def shelter_target(project: Project) -> Target:
    return Target.objects.get(project=project, indicator=KITS, kit_type__code="ESK-ML")


def by_kit_type(project):
    """The demo's targets as they are: one kits target per kit type, individuals unnarrowed."""
    return {"ESK-ML kits": 100, "NFI-ML kits": 75}


def by_category(project):
    Target.objects.create(project=project, indicator=KITS, kit_category=KitCategory.EMERGENCY_SHELTER, target_value=300)
    Target.objects.create(project=project, indicator=HOUSEHOLDS, kit_category=KitCategory.NFI, target_value=80)
    return {"emergency_shelter kits": 100}


def by_area(project):
    target = shelter_target(project)
    target.admin_area = AdminArea.objects.get(pcode="ML05")
    target.save()
    Target.objects.create(
        project=project,
        indicator=HOUSEHOLDS,
        kit_type=KitType.objects.get(code="NFI-ML"),
        admin_area=AdminArea.objects.get(pcode="ML0506"),
        target_value=90,
    )
    return {"ESK-ML kits": 100}


def in_another_region(project):
    """The issue's case: the shelter target restricted to a region where nothing was distributed."""
    target = shelter_target(project)
    target.admin_area = AdminArea.objects.get(pcode="ML07")
    target.save()
    Target.objects.create(project=project, indicator=HOUSEHOLDS, admin_area=target.admin_area, target_value=50)
    return {"ESK-ML kits": 0}


def by_period(project):
    target = shelter_target(project)
    TargetPeriod.objects.create(
        target=target, period_start=datetime.date(2024, 7, 1), period_end=datetime.date(2024, 9, 30), target_value=200
    )
    TargetPeriod.objects.create(
        target=target, period_start=datetime.date(2024, 10, 1), period_end=datetime.date(2024, 12, 31), target_value=250
    )
    return {"ESK-ML kits": 100}


def target_key(target: Target) -> str:
    what = target.kit_type.code if target.kit_type_id else target.kit_category or "all"
    return f"{what} {'kits' if target.indicator == KITS else target.indicator}"


def api_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.mark.parametrize("narrow", [by_kit_type, by_category, by_area, in_another_region, by_period])
def test_every_view_of_a_target_shows_the_same_achieved_figure(
    client, mopti, narrow, django_capture_on_commit_callbacks
):
    known = narrow(mopti)
    targets = {target.pk: target for target in Target.objects.filter(project=mopti)}
    manager = User.objects.get(username="manager")
    client.force_login(manager)

    dashboard = client.get(reverse("dashboard:project", args=[mopti.pk]))
    assert dashboard.status_code == 200
    achieved = {row["row"].target_id: row["row"].achieved for row in dashboard.context["targets"]}
    assert achieved.keys() == targets.keys()
    # The figures the case is about, counted by hand from the demo's plan.
    assert {key: value for pk, value in achieved.items() if (key := target_key(targets[pk])) in known} == known

    api = api_as("manager").get(f"/api/v1/projects/{mopti.pk}/progress/")
    assert api.status_code == 200
    assert {row["target_id"]: row["achieved"] for row in api.json()["targets"]} == achieved

    july = {"start": "2024-07-01", "end": "2024-07-31"}
    dashboard_july = client.get(reverse("dashboard:project", args=[mopti.pk]), july)
    achieved_july = {row["row"].target_id: row["row"].achieved for row in dashboard_july.context["targets"]}
    api_july = api_as("manager").get(f"/api/v1/projects/{mopti.pk}/progress/", july)
    assert {row["target_id"]: row["achieved"] for row in api_july.json()["targets"]} == achieved_july
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            project=mopti,
            requested_by=manager,
            period_start=datetime.date(2024, 7, 1),
            period_end=datetime.date(2024, 7, 31),
        )
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.DONE, report.error
    assert {row["target_id"]: row["achieved"] for row in report.figures["period"]["targets"]} == achieved_july
    # Every demo receipt is in July 2024: the report's cumulative figures are the dashboard's.
    assert {row["target_id"]: row["achieved"] for row in report.figures["cumulative"]["targets"]} == achieved

    kits_targets = [target for target in targets.values() if target.indicator == KITS]
    headline_kits = sum(min(achieved[target.pk], target.target_value) for target in kits_targets)
    headline_target = sum(target.target_value for target in kits_targets)
    page = client.get(reverse("dashboard:project-list"))
    row = next(row for row in page.context["rows"] if row["project"].pk == mopti.pk)
    assert (row["kits"], row["kits_target"]) == (headline_kits, headline_target)
    listed = api_as("manager").get("/api/v1/projects/").json()
    listed = listed["results"] if isinstance(listed, dict) else listed
    progress = next(project for project in listed if project["code"] == mopti.code)["progress"]
    assert (progress["kits"], progress["kits_target"]) == (headline_kits, headline_target)


def test_shelter_target_in_another_region_counts_nothing_anywhere(client, mopti):
    """The issue's example: the list said 175 of 1,090 while the dashboard said 0."""
    in_another_region(mopti)
    client.force_login(User.objects.get(username="manager"))
    dashboard = client.get(reverse("dashboard:project", args=[mopti.pk]))
    shelter = shelter_target(mopti)
    assert next(row["row"].achieved for row in dashboard.context["targets"] if row["row"].target_id == shelter.pk) == 0
    row = next(row for row in client.get(reverse("dashboard:project-list")).context["rows"] if row["project"] == mopti)
    assert (row["kits"], row["kits_target"]) == (75, 1090)
    listed = api_as("manager").get("/api/v1/projects/").json()
    listed = listed["results"] if isinstance(listed, dict) else listed
    progress = next(project for project in listed if project["code"] == mopti.code)["progress"]
    assert (progress["kits"], progress["kits_target"]) == (75, 1090)
