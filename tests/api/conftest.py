import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters live in the cache (Redis in PostgreSQL mode): start each test at zero."""
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def officer_api(mopti):
    return client_for(mopti["officer"])


@pytest.fixture
def partner(mopti):
    return factories.user(Role.PARTNER_SYSTEM, projects=[mopti["project"]], username="kobo")


@pytest.fixture
def partner_api(partner):
    return client_for(partner)


@pytest.fixture
def donor_api(mopti):
    return client_for(factories.user(Role.DONOR_VIEWER, projects=[mopti["project"]], username="donor"))


@pytest.fixture
def household(mopti):
    return factories.household(mopti["site"], registered_by=mopti["officer"])


@pytest.fixture
def elsewhere(db):
    """An operation in another region that the Mopti officer and partner may not see."""
    site = factories.site("GAO-1", admin_area=factories.area("ML0701", "Gao"))
    kit = factories.kit_type("HYG", "hygiene")
    project = factories.project("MLI-GAO")
    distribution = factories.distribution(project, site, kits=[kit])
    return {"site": site, "distribution": distribution, "household": factories.household(site), "kit": kit}


def receipt_item(mopti, for_household, /, **overrides) -> dict:
    item = {
        "distribution": mopti["distribution"].pk,
        "household": for_household.display_code,
        "kit_type": mopti["shelter"].code,
        "verification_method": "registration_code",
    }
    item.update(overrides)
    return item
