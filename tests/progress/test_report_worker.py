"""Reports through Redis and real worker processes, including a worker killed in the middle of a build."""

import datetime
import time

import pytest

from accounts.models import User
from demo.loader import load_demo
from projects.models import ProgressReport, Project
from projects.report_jobs import sweep_stale_reports
from projects.services import request_report
from tests.progress.conftest import wait_for

pytestmark = pytest.mark.celery_worker


def _request() -> ProgressReport:
    load_demo()
    return request_report(
        project=Project.objects.get(code="MLI-JPN-2024-SNFI"),
        requested_by=User.objects.get(username="manager"),
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 7, 31),
    )


def _status(report: ProgressReport) -> str:
    report.refresh_from_db()
    return report.status


def test_a_real_worker_builds_the_report_after_commit(start_worker, settings):
    start_worker()
    report = _request()  # autocommit: handed to Redis on commit
    wait_for(lambda: _status(report) in ("done", "failed"))
    assert report.status == "done", report.error
    assert report.figures["cumulative"]["reach"]["households"] == 100
    files = sorted(path.name for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())
    assert len(files) == 5


def test_a_worker_killed_mid_build_leaves_the_report_to_another(start_worker, settings):
    doomed = start_worker("tests.progress.slow_report_worker")
    report = _request()
    wait_for(lambda: _status(report) == "running")
    doomed.kill()  # SIGKILL: no chance to clean up, the message stays unacknowledged
    doomed.wait()
    start_worker()
    wait_for(lambda: ProgressReport.objects.get(pk=report.pk).lease_expires_at < datetime.datetime.now(datetime.UTC))
    time.sleep(0.5)
    assert sweep_stale_reports() == 1
    wait_for(lambda: _status(report) in ("done", "failed"))
    assert report.status == "done", report.error
    assert report.attempts == 2
    files = sorted(path.name for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())
    assert files == [f"progress-report-{report.pk}.{ext}" for ext in ("csv", "json", "pdf", "xlsx", "xml")]
