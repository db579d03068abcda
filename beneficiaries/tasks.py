"""Celery tasks for registration imports: thin, they call beneficiaries/imports/jobs.py."""

from celery import shared_task

from beneficiaries.imports import jobs
from beneficiaries.models import ImportJob


@shared_task(acks_late=True)
def validate_import(job_id: int) -> int:
    job = jobs.validate_job(ImportJob.objects.select_related("created_by").get(pk=job_id))
    if job.import_after_validation:
        jobs.start_import(job)
        run_import.delay(job.pk)
    return job.invalid_rows


@shared_task(acks_late=True)
def run_import(job_id: int) -> int:
    """Resumable: a redelivered task (worker lost) continues after the job's committed cursor."""
    job = jobs.run_import(ImportJob.objects.select_related("created_by").get(pk=job_id))
    return job.created_count
