import pytest
from django.core.cache import cache

from accounts.models import Organisation, User
from demo.loader import load_demo
from projects.indicators.models import ActivityIndicator, IndicatorResult
from projects.models import Project
from tests.api.conftest import client_for as api_client  # noqa: F401 (the tests' API client, by token)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(db, tmp_path, settings):
    """The demo's Mopti project with its four activity indicators, its demo results removed (each test
    reports its own), and the demo accounts."""
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    load_demo()
    IndicatorResult.objects.all().delete()
    project = Project.objects.get(code="MLI-JPN-2024-SNFI")
    users = {name: User.objects.get(username=name) for name in ("admin", "manager", "officer", "donor", "officer.iraq")}
    return {
        "project": project,
        "users": users,
        "indicators": {i.code: i for i in ActivityIndicator.objects.filter(project=project)},
        "civil_protection": Organisation.objects.get(acronym="DRPC Mopti"),
    }
