"""Import jobs: create, map, validate (a dry run), import in batches, resume. Celery tasks call these.

The import commits `IMPORT_BATCH_SIZE` rows per transaction: the households, the rows' outcomes
and the job's cursor (`committed_through`) together. A worker that dies mid-batch leaves nothing
of that batch; the next run starts after the cursor. (job, row_number) is unique, so even two
workers racing on one job cannot write a row twice.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.duplicate_services import hold_registration
from beneficiaries.imports import mapping as mappings
from beneficiaries.imports.readers import UnreadableFile, is_xlsx, open_table, read_headers
from beneficiaries.imports.validation import RowResult, RowValidator
from beneficiaries.models import ImportJob, ImportRow
from beneficiaries.services import ProbableDuplicate, copy_objects, register_household, register_households

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1000


def _path(job: ImportJob) -> Path:
    return Path(job.file.path)


UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
ZIP_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive


def check_upload(uploaded: UploadedFile) -> None:
    """Refuse, before anything is stored, a file too big or whose name and first bytes are not a CSV or an XLSX."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)s MB: split it in parts.") % {"mb": limit // (1024 * 1024)}]}
        )
    suffix = Path(uploaded.name or "").suffix.lower()
    uploaded.seek(0)
    head = uploaded.read(4)
    uploaded.seek(0)
    if suffix not in UPLOAD_SUFFIXES or (suffix == ".xlsx") != (head == ZIP_MAGIC):
        raise ValidationError({"file": [_("This file is not a spreadsheet we can read: save it as CSV or XLSX.")]})


def _read_through_csv(path: Path) -> None:
    """Read a CSV's every row once, streamed, so that a row past the limits (a cell over 1 MB, too
    many columns or rows: beneficiaries/imports/limits.py) is refused at upload, naming the row.
    An XLSX is checked before opening (its zip directory) and row by row as it is validated."""
    if is_xlsx(path):
        return
    for _row in open_table(path)[1]:
        pass


def create_job(*, uploaded: UploadedFile, created_by: User, source: str = "") -> ImportJob:
    """Store the file and read its headers; the mapping is proposed (remembered for the source, or guessed)."""
    check_upload(uploaded)
    job = ImportJob(created_by=created_by, original_name=uploaded.name[:255])
    job.file.save(Path(uploaded.name).name, uploaded, save=False)
    try:
        table = read_headers(_path(job))
        _read_through_csv(_path(job))
    except UnreadableFile as error:
        job.file.delete(save=False)
        raise ValidationError({"file": [str(error)]}) from None
    job.headers = table.headers
    job.source = (source.strip() or mappings.header_signature(table.headers))[:200]
    job.mapping = mappings.propose(table.headers, table.hashtags, job.source)
    job.save()
    return job


def set_mapping(job: ImportJob, mapping: dict[str, str], *, by: User) -> ImportJob:
    """Confirm the column mapping (remembered for the job's source) and make the job ready to validate."""
    mapping = {header: field for header, field in mapping.items() if header in job.headers}
    errors = mappings.check(mapping)
    if errors:
        raise ValidationError({"mapping": [f"{key}: {reason}" for key, reason in errors.items()]})
    with transaction.atomic():
        job.mapping = mapping
        job.status = ImportJob.Status.VALIDATING
        job.save(update_fields=["mapping", "status", "updated_at"])
        mappings.remember(job.source, mapping, by)
    return job


def submit_file(
    *, uploaded: UploadedFile, created_by: User, source: str = "", mapping: dict[str, str] | None = None, commit=False
) -> ImportJob:
    """A file sent by a partner system in one step (POST /api/v1/imports/): store, map, queue its check.

    `mapping` is header -> household field name ("" ignores the column); without one, the remembered
    or guessed mapping is used, unless a header looks like a field yet no field is guessed for it (a
    partner would silently lose that column). `commit` imports the valid rows right after the check.
    Returns the job, its check queued once the caller's transaction commits. Raises ValidationError
    ({"file": ...} unreadable or too large, {"mapping": [...]}) and leaves no job and no file behind.
    """
    with transaction.atomic():
        job = create_job(uploaded=uploaded, created_by=created_by, source=source)
        try:
            if not mapping:
                ignored_before = {header for header, field in mappings.remembered(job.source).items() if not field}
                unmapped = mappings.unmapped_lookalikes(job.headers, job.mapping, ignored_before)
                if unmapped:
                    raise ValidationError(
                        {
                            "mapping": [
                                f"{header}: looks like {field} but no field is guessed for it; give a mapping "
                                f'that maps it, or sets it to "" to ignore it.'
                                for header, field in unmapped.items()
                            ]
                        }
                    )
            set_mapping(job, mapping or job.mapping, by=created_by)
        except ValidationError:
            job.file.delete(save=False)
            raise
        ImportJob.objects.filter(pk=job.pk).update(import_after_validation=bool(commit))
        job.import_after_validation = bool(commit)
        send_after_commit(job.pk)
    return job


def row_values(headers: list[str], cells: list[str], mapping: dict[str, str]) -> dict[str, str]:
    values = {}
    for index, header in enumerate(headers):
        field = mapping.get(header)
        if field:
            values[field] = cells[index].strip() if index < len(cells) else ""
    return values


def _checked_rows(job: ImportJob) -> Iterator[tuple[int, list[str], RowResult]]:
    table, rows = open_table(_path(job))
    validator = RowValidator(job.created_by, job.mapping)
    for number, cells in rows:
        yield number, cells, validator.validate(row_values(table.headers, cells, job.mapping))


def validate_job(job: ImportJob) -> ImportJob:
    """The dry run: every row checked, refusals stored with their column and reason. Nothing registered."""
    ImportRow.objects.filter(job=job).delete()
    try:
        return _validate_rows(job)
    except Exception as error:
        logger.exception("Checking import job %s stopped", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=str(error)[:2000])
        raise


def _validate_rows(job: ImportJob) -> ImportJob:
    total = invalid = 0
    refused: list[ImportRow] = []
    for number, _cells, result in _checked_rows(job):
        total += 1
        if result.errors:
            invalid += 1
            refused.append(
                ImportRow(
                    job=job,
                    row_number=number,
                    outcome=ImportRow.Outcome.INVALID,
                    errors=result.errors,
                    notes=result.notes,
                )
            )
        if len(refused) >= PROGRESS_EVERY or total % PROGRESS_EVERY == 0:
            ImportRow.objects.bulk_create(refused)
            refused = []
            ImportJob.objects.filter(pk=job.pk).update(checked_rows=total, invalid_rows=invalid)
    ImportRow.objects.bulk_create(refused)
    job.total_rows = job.checked_rows = total
    job.invalid_rows = invalid
    job.status = ImportJob.Status.VALIDATED
    job.save(update_fields=["total_rows", "checked_rows", "invalid_rows", "status", "updated_at"])
    return job


def register_row(
    fields: dict, *, user: User, source: str, columns: dict[str, str] | None = None
) -> tuple[str, object, object, list[dict]]:
    """Register one checked row through register_household: (outcome, household, review, errors).

    Shared by file imports and the KoboToolbox webhook, so both go through the same duplicate check.
    """
    try:  # register_household is atomic: a refused row leaves nothing behind in the batch's transaction
        household = register_household(registered_by=user, duplicate_source=source, **fields)
    except ProbableDuplicate as duplicate:
        review = hold_registration(fields=fields, match=duplicate.match, held_by=user, source=source)
        return ImportRow.Outcome.HELD, None, review, []
    except ValidationError as error:
        return ImportRow.Outcome.INVALID, None, None, _row_errors(error.message_dict, columns or {})
    if household.duplicate_review:
        return ImportRow.Outcome.FLAGGED, household, household.duplicate_review, []
    return ImportRow.Outcome.CREATED, household, None, []


@transaction.atomic
def start_import(job: ImportJob) -> ImportJob:
    """Mark a checked (or stopped) job for import; the caller queues run_import after commit."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status not in (ImportJob.Status.VALIDATED, ImportJob.Status.FAILED):
        raise ValidationError({"status": [f"This import is {locked.get_status_display().lower()}: it cannot start."]})
    locked.status = ImportJob.Status.IMPORTING
    locked.sent_at = None  # the import step is yet to be handed to the queue
    locked.error = ""
    locked.save(update_fields=["status", "error", "sent_at", "updated_at"])
    job.status, job.error = locked.status, locked.error
    return locked


def _outcomes(job: ImportJob, batch, refused_before: set[int], user: User, source: str, columns: dict):
    """Each row's ImportRow, the checked rows registered set-based; the caller's transaction holds the batch."""
    pending = [(number, result) for number, result in batch if number not in refused_before]  # else: dry run
    checked = [(number, result) for number, result in pending if not result.errors]
    registered = iter(
        register_households(
            [r.fields for _n, r in checked], registered_by=user, duplicate_source=source, rows_checked=True
        )
    )
    outcomes: list[ImportRow] = []
    for number, result in pending:
        if result.errors:  # refused now, not in the dry run (a site taken out of the user's scope since)
            refused = ImportRow.Outcome.INVALID
            outcomes.append(
                ImportRow(job=job, row_number=number, outcome=refused, errors=result.errors, notes=result.notes)
            )
            continue
        done = next(registered)
        outcomes.append(
            ImportRow(
                job=job,
                row_number=number,
                outcome=done.outcome,
                errors=_row_errors(done.errors, columns),
                notes=result.notes,
                household=done.household,
                review=done.review,
            )
        )
    return outcomes


def _row_errors(errors: dict[str, list[str]], columns: dict[str, str]) -> list[dict]:
    return [
        {"column": columns.get(field, field), "reason": message}
        for field, messages in errors.items()
        for message in messages
    ]


def _commit_batch(job_pk: int, batch: list[tuple[int, RowResult]], user: User, source: str, columns: dict) -> bool:
    """One transaction: the batch's households, its row outcomes, the cursor. False if another run did it."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_pk)
        batch = [(number, result) for number, result in batch if number > job.committed_through]
        if not batch:
            return False
        numbers = [number for number, _result in batch]
        refused_before = set(
            ImportRow.objects.filter(job=job, row_number__in=numbers).values_list("row_number", flat=True)
        )
        outcomes = _outcomes(job, batch, refused_before, user, source, columns)
        copy_objects(outcomes)
        counts = Counter(row.outcome for row in outcomes)
        ImportJob.objects.filter(pk=job_pk).update(
            committed_through=batch[-1][0],
            created_count=F("created_count") + counts[ImportRow.Outcome.CREATED],
            flagged_count=F("flagged_count") + counts[ImportRow.Outcome.FLAGGED],
            held_count=F("held_count") + counts[ImportRow.Outcome.HELD],
            invalid_rows=F("invalid_rows") + counts[ImportRow.Outcome.INVALID],
        )
    return True


def run_import(job: ImportJob, *, batch_size: int | None = None) -> ImportJob:
    """Import the valid rows after the cursor, batch by batch. Safe to call again after any interruption."""
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    source = f"import:{job.pk}:{job.source}"
    columns = {field: header for header, field in job.mapping.items() if field}
    batch: list[tuple[int, RowResult]] = []
    try:
        for number, _cells, result in _checked_rows(job):
            if number <= job.committed_through:
                continue
            batch.append((number, result))
            if len(batch) >= batch_size:
                _commit_batch(job.pk, batch, job.created_by, source, columns)
                batch = []
        if batch:
            _commit_batch(job.pk, batch, job.created_by, source, columns)
    except Exception as error:
        logger.exception("Import job %s stopped", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=str(error)[:2000])
        raise
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMPLETED)
    job.refresh_from_db()
    return job


# --- handing jobs to the queue --------------------------------------------------------------------

# The Celery task (beneficiaries/tasks.py) that runs each queued step of a job.
STEP_TASKS = {
    ImportJob.Status.VALIDATING: "beneficiaries.tasks.validate_import",
    ImportJob.Status.IMPORTING: "beneficiaries.tasks.run_import",
}


def send(job_pk: int) -> bool:
    """Hand the job's current step to Celery: the check if it is validating, the import if importing.

    Returns False, logging why, when the broker cannot be reached (or, eager, the step failed): the
    request that asked for it has committed and must not fail; `sweep_unsent_jobs` sends it again.
    A step handed over is redelivered by the broker if its worker dies (tasks acknowledged late).
    """
    status = ImportJob.objects.filter(pk=job_pk).values_list("status", flat=True).first()
    task_name = STEP_TASKS.get(status)
    if task_name is None:
        return False
    try:
        # The registered task (eager when CELERY_TASK_ALWAYS_EAGER), looked up by name: beneficiaries/tasks.py
        # calls this module, so this module does not import it.
        current_app.tasks[task_name].delay(job_pk)
    except Exception:
        logger.exception("Could not queue import job %s; the sweep will send it again", job_pk)
        return False
    ImportJob.objects.filter(pk=job_pk, status=status, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


def send_after_commit(job_pk: int) -> None:
    """Queue the job's current step once the caller's transaction commits (never failing the request)."""
    transaction.on_commit(lambda: send(job_pk), robust=True)


def sweep_unsent_jobs() -> int:
    """Send again checks and imports never handed to the queue (the broker was away when asked).

    A job counts as unsent when its step is validating or importing, `sent_at` is null, and its
    last change is older than settings.IMPORT_RESEND_SECONDS (default 60: the request's own
    after-commit send has had its chance). Returns how many were sent. Run by celery beat every
    minute (beneficiaries/migrations/0008_import_sweep_schedule.py).
    """
    grace = datetime.timedelta(seconds=getattr(settings, "IMPORT_RESEND_SECONDS", 60))
    unsent = ImportJob.objects.filter(
        status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING],
        sent_at__isnull=True,
        updated_at__lt=timezone.now() - grace,
    ).values_list("pk", flat=True)
    return sum(send(job_pk) for job_pk in list(unsent))
