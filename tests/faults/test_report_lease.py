"""Issue 12: a report's lease is short and renewed by a heartbeat while its worker lives.

A worker killed mid-build (tests/progress/test_report_worker.py, a real SIGKILL) stops renewing it:
the report is taken over once the short lease runs out, instead of staying "running" 15 minutes.
"""

import datetime
import time

import pytest
from django.utils import timezone

from projects import report_jobs
from projects.models import ProgressReport
from tests import factories


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def test_the_default_lease_is_short():
    assert datetime.timedelta(seconds=90) >= report_jobs.LEASE


def test_a_live_build_longer_than_its_lease_keeps_it(transactional_db, monkeypatch, media):
    monkeypatch.setattr(report_jobs, "LEASE", datetime.timedelta(seconds=0.6))
    report = ProgressReport.objects.create(
        project=factories.project("MLI-LEASE"),
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 7, 31),
    )
    held = []

    def slow_build(claimed, renew_lease):  # five times the lease, without calling renew_lease
        for _ in range(8):
            time.sleep(0.4)
            held.append(ProgressReport.objects.filter(pk=claimed.pk, lease_expires_at__gt=timezone.now()).exists())
        return {}, {}

    monkeypatch.setattr(report_jobs, "_build_outputs", slow_build)
    assert report_jobs.build_report(report.pk) == "built"
    assert held == [True] * 8  # never open to another worker while this one lives
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("done", 1)
    assert report_jobs.sweep_stale_reports() == 0
