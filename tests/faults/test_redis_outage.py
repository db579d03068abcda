"""Issue 12: Redis down does not take the API down, and the work asked for meanwhile is done once it returns.

Real processes: a Redis server of the test's own (killed, then started again on the same port), a web
process and a Celery worker using it, on the test database. The sweeps are run as celery beat would.
"""

import datetime
import subprocess
import sys
import time
import uuid

import pytest
import requests

from accounts.models import Role
from beneficiaries.models import ImportJob
from distributions.models import Receipt
from projects.models import ProgressReport
from tests import factories
from tests.api.conftest import receipt_item
from tests.conftest import PROJECT_ROOT
from tests.faults import procs
from tests.imports.conftest import csv_bytes, row

pytestmark = pytest.mark.celery_worker  # PostgreSQL and Redis mode (a real worker)

SWEEP = (
    "import django; django.setup();"
    "from projects.report_jobs import sweep_stale_reports;"
    "from beneficiaries.imports.jobs import sweep_unsent_jobs;"
    "print(sweep_stale_reports(), sweep_unsent_jobs())"
)


def _wait_for(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


@pytest.fixture
def outage(transactional_db, tmp_path):
    redis = procs.RedisServer(tmp_path)
    redis.start()
    env = procs.app_environment(
        REDIS_URL=redis.url,
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        IMPORT_RESEND_SECONDS="1",
        PROGRESS_REPORT_UNSENT_SECONDS="1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    port = procs.free_port()
    web = procs.start_web(port, env=env)
    try:
        yield {"redis": redis, "env": env, "base": f"http://127.0.0.1:{port}", "start_worker": procs.start_worker}
    finally:
        procs.stop(web)
        redis.stop()


def test_with_redis_down_the_api_answers_and_the_work_is_done_when_it_returns(mopti, outage, tmp_path):
    officer = mopti["officer"]
    factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]], username="mgr")
    households = [factories.household(mopti["site"], registered_by=officer) for _ in range(3)]
    base, redis = outage["base"], outage["redis"]

    redis.stop()  # the outage

    token = requests.post(
        f"{base}/api/v1/auth/token/", json={"username": "officer", "password": "a-long-test-password"}, timeout=30
    )
    assert token.status_code == 200, token.text
    as_officer = {"Authorization": f"Token {token.json()['token']}"}
    now = datetime.datetime.now(datetime.UTC)
    items = [
        receipt_item(
            mopti,
            household,
            client_uuid=str(uuid.uuid4()),
            received_at=(now - datetime.timedelta(days=day)).isoformat(),
        )
        for day, household in enumerate(households)
    ]
    bulk = requests.post(f"{base}/api/v1/receipts/bulk/", json={"receipts": items}, headers=as_officer, timeout=30)
    assert bulk.status_code == 200, bulk.text
    assert [result["status"] for result in bulk.json()["results"]] == ["created"] * 3

    manager_token = requests.post(
        f"{base}/api/v1/auth/token/", json={"username": "mgr", "password": "a-long-test-password"}, timeout=30
    ).json()["token"]
    today = datetime.date.today()
    report = requests.post(
        f"{base}/api/v1/reports/",
        json={
            "project": mopti["project"].pk,
            "period_start": str(today - datetime.timedelta(days=30)),
            "period_end": str(today),
        },
        headers={"Authorization": f"Token {manager_token}"},
        timeout=30,
    )
    assert report.status_code == 202, report.text
    upload = requests.post(
        f"{base}/api/v1/imports/",
        files={"file": ("households.csv", csv_bytes([row(), row(head_name="Fanta Sidibé", phone="+223 70 12 34 99")]))},
        data={"commit": "true"},
        headers=as_officer,
        timeout=30,
    )
    assert upload.status_code == 202, upload.text

    assert Receipt.objects.count() == 3  # recorded during the outage
    job = ImportJob.objects.get(pk=upload.json()["id"])
    assert (job.status, job.sent_at) == (ImportJob.Status.VALIDATING, None)
    progress_report = ProgressReport.objects.get(pk=report.json()["id"])
    assert (progress_report.status, progress_report.last_sent_at) == (ProgressReport.Status.QUEUED, None)

    redis.start()  # Redis is back, empty (nothing persisted): the queued work is only in PostgreSQL
    worker = procs.start_worker(outage["env"])
    try:
        time.sleep(1.5)  # IMPORT_RESEND_SECONDS and PROGRESS_REPORT_UNSENT_SECONDS
        swept = subprocess.run(  # noqa: S603 - celery beat's sweeps, run once
            [sys.executable, "-c", SWEEP], cwd=PROJECT_ROOT, env=outage["env"], capture_output=True, text=True
        )
        assert swept.stdout.split() == ["1", "1"], swept.stderr
        _wait_for(lambda: ProgressReport.objects.get(pk=progress_report.pk).status in ("done", "failed"))
        _wait_for(lambda: ImportJob.objects.get(pk=job.pk).status in ("completed", "failed"))
    finally:
        procs.stop(worker)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMPLETED, job.error
    assert (job.total_rows, job.created_count + job.flagged_count + job.held_count) == (2, 2)
    progress_report.refresh_from_db()
    assert progress_report.status == ProgressReport.Status.DONE, progress_report.error
    assert progress_report.figures["cumulative"]["reach"]["households"] == 3
