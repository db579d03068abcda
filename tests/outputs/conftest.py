"""Outputs as donors, clusters and Excel take them (issue 15): the demo and a donor report of it."""

import datetime

import pytest

from accounts.models import User
from demo.loader import load_demo
from projects.models import Project
from projects.services import request_report


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Reports are built in this process even with REDIS_URL set (tests/conftest.py)."""


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def demo(db, media):
    load_demo()
    return Project.objects.get(code="MLI-JPN-2024-SNFI")


@pytest.fixture
def request_demo_report(demo, django_capture_on_commit_callbacks):
    """A function building a donor report of a demo project (default: Mopti, July 2024), done."""

    def build(project=None, language="en", start=datetime.date(2024, 7, 1), end=datetime.date(2024, 7, 31)):
        with django_capture_on_commit_callbacks(execute=True):
            report = request_report(
                project=project or demo,
                requested_by=User.objects.get(username="manager"),
                period_start=start,
                period_end=end,
                language=language,
            )
        report.refresh_from_db()
        assert report.status == report.Status.DONE, report.error
        return report

    return build
