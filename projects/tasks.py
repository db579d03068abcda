"""Celery tasks for donor reports: thin entry points over projects/report_jobs.py and projects/services.py.

Acknowledged late and rejected on worker loss (settings CELERY_TASK_ACKS_LATE and
CELERY_TASK_REJECT_ON_WORKER_LOST); idempotent through the report's claim and lease.
"""

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from projects import report_jobs, retention, services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def build_progress_report(self, report_id: int) -> str:
    try:
        return report_jobs.build_report(report_id)
    except TRANSIENT as error:
        if self.request.retries >= MAX_RETRIES:
            report_jobs.mark_failed(report_id, f"{type(error).__name__}: {error}")
            raise
        report_jobs.release_for_retry(report_id, f"{type(error).__name__}: {error}")
        # Exponential backoff: 2, 4, 8, 16, 32 seconds.
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
    except (DatabaseError, Exception) as error:
        report_jobs.mark_failed(report_id, f"{type(error).__name__}: {error}")
        raise


@shared_task
def sweep_stale_reports() -> int:
    return report_jobs.sweep_stale_reports()


@shared_task
def request_monthly_reports() -> list[int]:
    return [report.pk for report in services.request_monthly_reports()]


@shared_task(acks_late=True)
def anonymise_households_past_retention() -> int:
    """Run daily by celery beat (schedule: beneficiaries/migrations/0005, renamed by projects/migrations/0009)."""
    return retention.anonymise_households()
