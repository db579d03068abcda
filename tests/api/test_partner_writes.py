"""The writes partners need (issue 18): sites, admin areas, projects and targets with periods, for the roles
that may make them, with field errors, an audit row and idempotency as every other write."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from projects.models import Project, Target
from sites.models import AdminArea, Site
from tests import factories

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def manager(mopti):
    return factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="pm")


@pytest.fixture
def admin(db):
    return factories.user(Role.ADMINISTRATOR, username="root")


SITE = {"code": "ML-CCCM-0042", "name": "Sévaré 2", "site_type": "informal_site", "admin_area": "ML0506"}


def test_a_registration_system_pushes_a_site_once(partner, mopti):
    client = client_of(partner)
    first = post(client, "/api/v1/sites/", SITE, HTTP_IDEMPOTENCY_KEY="site-42")
    assert first.status_code == 201, first.json()
    assert first.json()["admin2"]["pcode"] == "ML0506" and first["Location"].endswith(f"/{first.json()['id']}/")
    again = post(client, "/api/v1/sites/", SITE, HTTP_IDEMPOTENCY_KEY="site-42")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Site.objects.filter(code=SITE["code"]).count() == 1
    site = Site.objects.get(code=SITE["code"])
    assert site.history.get().history_type == "+" and site.history.get().history_user == partner
    assert post(client, "/api/v1/sites/", SITE).json()["errors"].keys() == {"code"}  # a code in use: 400
    changed = patch(client, f"/api/v1/sites/{site.pk}/", {"status": "closed", "population_households": 120})
    assert changed.status_code == 200 and changed.json()["status"] == "closed"
    assert patch(client, f"/api/v1/sites/{site.pk}/", {"code": "OTHER"}).json()["errors"].keys() == {"code"}
    assert site.history.count() == 2


def test_site_field_errors_and_scope(partner, mopti):
    client = client_of(partner)
    bad = post(client, "/api/v1/sites/", {**SITE, "latitude": "123", "site_type": "castle", "colour": "red"})
    assert bad.status_code == 400 and bad.json()["errors"].keys() == {"colour"}  # unknown fields first
    bad = post(client, "/api/v1/sites/", {**SITE, "latitude": "123", "site_type": "castle"})
    assert bad.status_code == 400 and bad.json()["errors"].keys() == {"latitude", "site_type"}
    bad = post(client, "/api/v1/sites/", {**SITE, "latitude": "12.5"})  # a latitude needs its longitude
    assert bad.status_code == 400 and bad.json()["errors"]
    factories.area("ML0701", "Gao")  # outside the partner's project's areas (Mopti)
    outside = post(client, "/api/v1/sites/", {**SITE, "admin_area": "ML0701"})
    assert outside.status_code == 400 and outside.json()["errors"].keys() == {"admin_area"}
    assert not Site.objects.filter(code=SITE["code"]).exists()  # nothing half-written


def test_officers_and_donors_may_not_write_sites(mopti, donor_api, officer_api):
    assert post(officer_api, "/api/v1/sites/", SITE).status_code == 403
    assert post(donor_api, "/api/v1/sites/", SITE).status_code == 403
    assert patch(officer_api, f"/api/v1/sites/{mopti['site'].pk}/", {"name": "x"}).status_code == 403


def test_admin_areas_are_written_by_administrators_only(admin, manager, mopti):
    area = {"pcode": "ML050601", "name": "Sévaré", "level": 3, "parent": "ML0506"}
    assert post(client_of(manager), "/api/v1/admin-areas/", area).status_code == 403
    created = post(client_of(admin), "/api/v1/admin-areas/", area)
    assert created.status_code == 201, created.json()
    assert created.json()["country_code"] == "MLI" and AdminArea.objects.get(pcode="ML050601").history.count() == 1
    wrong = post(client_of(admin), "/api/v1/admin-areas/", {**area, "pcode": "ML050602", "level": 2})
    assert wrong.status_code == 400 and wrong.json()["errors"].keys() == {"parent"}
    renamed = patch(client_of(admin), "/api/v1/admin-areas/ML050601/", {"name": "Sévaré commune"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Sévaré commune"
    assert patch(client_of(admin), "/api/v1/admin-areas/ML050601/", {"level": 2}).status_code == 400


PROJECT = {
    "code": "MLI-ECHO-2025",
    "title": "Winter response",
    "donor": "Donor",
    "lead_organisation": "IOM",
    "start_date": "2025-01-01",
    "end_date": "2025-12-31",
    "admin_areas": ["ML05"],
}


def test_a_manager_sets_up_a_project_with_targets_and_periods(manager, mopti):
    client = client_of(manager)
    created = post(client, "/api/v1/projects/", PROJECT)
    assert created.status_code == 201, created.json()
    project = Project.objects.get(code=PROJECT["code"])
    assert manager.assigned_projects.filter(pk=project.pk).exists()  # in the manager's scope
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    target = {
        "project": PROJECT["code"],
        "indicator": "kits_distributed",
        "kit_type": "ESK",
        "target_value": 1000,
        "periods": [
            {"period_start": "2025-01-01", "period_end": "2025-06-30", "target_value": 400},
            {"period_start": "2025-07-01", "period_end": "2025-12-31", "target_value": 600},
        ],
    }
    made = post(client, "/api/v1/targets/", target)
    assert made.status_code == 201, made.json()
    assert [period["target_value"] for period in made.json()["periods"]] == [400, 600]
    stored = Target.objects.get(pk=made.json()["id"])
    assert stored.history.count() == 1 and stored.periods.count() == 2
    overlapping = [{"period_start": "2025-01-01", "period_end": "2025-07-31", "target_value": 1}, target["periods"][1]]
    refused = patch(client, f"/api/v1/targets/{stored.pk}/", {"periods": overlapping})
    assert refused.status_code == 400 and "periods.1.period_start" in refused.json()["errors"]
    assert stored.periods.count() == 2  # nothing half-written
    changed = patch(client, f"/api/v1/targets/{stored.pk}/", {"target_value": 1200, "periods": []})
    assert changed.status_code == 200 and changed.json()["periods"] == [] and changed.json()["target_value"] == 1200
    late = patch(client, f"/api/v1/projects/{project.pk}/", {"end_date": "2024-12-31"})
    assert late.status_code == 400 and late.json()["errors"]


def test_partners_and_donors_may_not_write_projects(partner_api, donor_api, mopti):
    assert post(partner_api, "/api/v1/projects/", PROJECT).status_code == 403
    assert post(donor_api, "/api/v1/projects/", PROJECT).status_code == 403
    target = {"project": "MLI-TEST", "indicator": "kits_distributed", "target_value": 5}
    assert post(partner_api, "/api/v1/targets/", target).status_code == 403
