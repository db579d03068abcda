"""A donor report's life as a job, in one place: sent, claimed, built, retried, swept.

The request is saved by projects/services.py and handed to Celery after commit (`send_report`; a
broker that is down loses nothing: `sweep_stale_reports` re-sends it). Building is idempotent: a
worker claims the report with a lease, freezes the figures (projects/reports/figures.py),
renders each format with the pure builders of projects/reports/builders.py and stores them under fixed names
(running twice yields one set), renews the lease from a heartbeat thread while it builds (and
between outputs), and finishes only if it still holds the claim. A worker killed mid-build stops
its heartbeat: the lease (LEASE, 90 s) runs out and the sweep, run every minute by celery beat,
re-sends the report to another worker: "running" for at most about two and a half minutes
(issue 12).

projects/tasks.py (the Celery entry points) calls this module; this module hands reports to the
queue by the build task's registered name, so that it never imports the tasks that import it.
"""

import datetime
import logging
import threading
import uuid

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from projects.models import ProgressReport
from projects.reports import builders
from projects.reports import figures as report_figures

logger = logging.getLogger(__name__)

BUILD_TASK = "projects.tasks.build_progress_report"

# A running build renews its lease every LEASE / 3 (the heartbeat): a live worker never loses it.
LEASE = datetime.timedelta(seconds=getattr(settings, "PROGRESS_REPORT_LEASE_SECONDS", 90))
# A queued report not picked up within this time is sent again by the sweep.
QUEUED_GRACE = datetime.timedelta(seconds=getattr(settings, "PROGRESS_REPORT_RESEND_SECONDS", 300))
# A queued report never handed to the broker (it was away) is sent again by the sweep after this.
UNSENT_GRACE = datetime.timedelta(seconds=getattr(settings, "PROGRESS_REPORT_UNSENT_SECONDS", 60))


def send_report(report_id: int) -> bool:
    """Hand a report to the queue. A broker error is logged: the sweep will send it again."""
    ProgressReport.objects.filter(pk=report_id).update(last_sent_at=timezone.now())
    try:
        # The registered task (eager when CELERY_TASK_ALWAYS_EAGER): looked up by name, not imported.
        current_app.tasks[BUILD_TASK].delay(report_id)
    except Exception:
        # Broker down (or, eager, a failed build already recorded on the report): never fail the request.
        logger.exception("Could not queue or run progress report %s; the sweep will send it again", report_id)
        ProgressReport.objects.filter(pk=report_id, status=ProgressReport.Status.QUEUED).update(last_sent_at=None)
        return False
    return True


def _claim(report_id: int) -> tuple[ProgressReport, uuid.UUID] | None:
    """Take a report to build, or None if it is done or another live worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().select_related("project").get(pk=report_id)
        if report.status == ProgressReport.Status.DONE:
            return None
        if report.status == ProgressReport.Status.RUNNING and report.lease_expires_at > now:
            return None
        token = uuid.uuid4()
        report.status = ProgressReport.Status.RUNNING
        report.claim_token = token
        report.lease_expires_at = now + LEASE
        report.started_at = now
        report.attempts += 1
        report.error = ""
        report.save(update_fields=["status", "claim_token", "lease_expires_at", "started_at", "attempts", "error"])
        return report, token


def _still_ours(report_id: int, token: uuid.UUID, **changes) -> bool:
    """Apply changes only if this worker still holds the claim (returns whether it does)."""
    updated = ProgressReport.objects.filter(
        pk=report_id, claim_token=token, status=ProgressReport.Status.RUNNING
    ).update(**changes)
    return bool(updated)


def build_report(report_id: int) -> str:
    """Build every output of a report. Returns what happened: built, skipped or lost (claim taken over)."""
    claimed = _claim(report_id)
    if claimed is None:
        return "skipped"
    report, token = claimed
    heartbeat = _Heartbeat(report_id, token)

    def renew_lease() -> None:
        if heartbeat.lost or not _still_ours(report_id, token, lease_expires_at=timezone.now() + LEASE):
            raise ClaimLost(report_id)

    heartbeat.start()
    try:
        figures, outputs = _build_outputs(report, renew_lease)
    except ClaimLost:
        return "lost"
    finally:
        heartbeat.stop()
    done = _still_ours(
        report_id,
        token,
        status=ProgressReport.Status.DONE,
        figures=figures,
        outputs=outputs,
        finished_at=timezone.now(),
        claim_token=None,
    )
    return "built" if done else "lost"


def _build_outputs(report: ProgressReport, renew_lease) -> tuple[dict, dict]:
    """Freeze the figures, then render and store every format; renews the worker's lease between outputs.

    Returns (figures, {format: stored path}). The builders are pure functions of the frozen figures.
    """
    figures = report_figures.frozen_figures(report)
    renew_lease()
    outputs = {}
    for fmt in builders.FORMATS:
        content = builders.render(figures, fmt, report.language)
        path = builders.output_path(report, fmt)
        if default_storage.exists(path):
            default_storage.delete(path)
        outputs[fmt] = default_storage.save(path, ContentFile(content))
        renew_lease()
    return figures, outputs


class _Heartbeat(threading.Thread):
    """Renews a report's lease every LEASE / 3 while its build runs, on its own database connection.

    Sets `lost` when the claim was taken over (the build then stops at its next renew_lease). A
    database error stops the heartbeat: the lease then runs out as if the worker had died.
    """

    def __init__(self, report_id: int, token: uuid.UUID):
        super().__init__(name=f"report-{report_id}-heartbeat", daemon=True)
        self.report_id, self.token = report_id, token
        self.lost = False
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(LEASE.total_seconds() / 3):
                if not _still_ours(self.report_id, self.token, lease_expires_at=timezone.now() + LEASE):
                    self.lost = True
                    return
        except Exception:
            logger.exception("Heartbeat of progress report %s stopped", self.report_id)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stopped.set()
        self.join()


class ClaimLost(Exception):
    """Another worker took the report over after this one's lease ran out."""


def mark_failed(report_id: int, error: str) -> None:
    ProgressReport.objects.filter(pk=report_id).exclude(status=ProgressReport.Status.DONE).update(
        status=ProgressReport.Status.FAILED, error=error[:2000], finished_at=timezone.now(), claim_token=None
    )


def release_for_retry(report_id: int, error: str) -> None:
    """A transient error: back to queued, so that the retry (or the sweep) can claim it at once."""
    ProgressReport.objects.filter(pk=report_id, status=ProgressReport.Status.RUNNING).update(
        status=ProgressReport.Status.QUEUED, error=error[:2000], claim_token=None, lease_expires_at=None
    )


def sweep_stale_reports() -> int:
    """Send again reports left queued (broker down, message lost) or running past their lease.

    Queued and never handed to the broker (`last_sent_at` null: it was away): after UNSENT_GRACE;
    queued and handed over but not picked up: after QUEUED_GRACE; running: once the lease ran out.
    Returns how many were sent. Run every minute by celery beat (projects/migrations/0006).
    """
    now = timezone.now()
    queued = ProgressReport.objects.filter(status=ProgressReport.Status.QUEUED)
    stale = (
        queued.filter(requested_at__lt=now - QUEUED_GRACE).exclude(last_sent_at__gte=now - QUEUED_GRACE)
        | queued.filter(last_sent_at__isnull=True, requested_at__lt=now - UNSENT_GRACE)
        | ProgressReport.objects.filter(status=ProgressReport.Status.RUNNING, lease_expires_at__lt=now)
    )
    report_ids = list(stale.values_list("pk", flat=True))
    for report_id in report_ids:
        send_report(report_id)
    return len(report_ids)
