"""Celery tasks for donor reports: thin, they call projects/services.py.

Acknowledged late and rejected on worker loss (settings CELERY_TASK_ACKS_LATE and
CELERY_TASK_REJECT_ON_WORKER_LOST); idempotent through the report's claim and lease.
"""

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from projects import services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def build_progress_report(self, report_id: int) -> str:
    try:
        return services.build_report(report_id)
    except TRANSIENT as error:
        if self.request.retries >= MAX_RETRIES:
            services.mark_failed(report_id, f"{type(error).__name__}: {error}")
            raise
        services.release_for_retry(report_id, f"{type(error).__name__}: {error}")
        # Exponential backoff: 2, 4, 8, 16, 32 seconds.
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
    except (DatabaseError, Exception) as error:
        services.mark_failed(report_id, f"{type(error).__name__}: {error}")
        raise


@shared_task
def sweep_stale_reports() -> int:
    return services.sweep_stale_reports()


@shared_task
def request_monthly_reports() -> list[int]:
    return [report.pk for report in services.request_monthly_reports()]
