"""Celery tasks for registration imports: thin, they call beneficiaries/imports/jobs.py."""

from celery import shared_task

from accounts.audit import Channel, acting
from beneficiaries.imports import jobs
from beneficiaries.models import ImportJob


@shared_task(acks_late=True)
def validate_import(job_id: int) -> int:
    job = jobs.validate_job(ImportJob.objects.select_related("created_by").get(pk=job_id))
    if job.import_after_validation:
        jobs.start_import(job)
        jobs.send(job.pk)
    return job.invalid_rows


@shared_task(acks_late=True)
def run_import(job_id: int) -> int:
    """Resumable: a redelivered task (worker lost) continues after the job's committed cursor."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    with acting(Channel.IMPORT, user=job.created_by):  # the audit trail: registered by an import, for its author
        job = jobs.run_import(job)
    return job.created_count


@shared_task
def sweep_unsent_imports() -> int:
    """Run every minute by celery beat (schedule: beneficiaries/migrations/0008_import_sweep_schedule.py)."""
    return jobs.sweep_unsent_jobs()
