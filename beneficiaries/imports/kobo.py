"""KoboToolbox submissions, one at a time (the REST Services webhook, POST /api/v1/kobo/submissions/).

A submission goes through the file import's rules: the same mapping (remembered choices, exact names,
aliases), the same row check (validation.RowValidator) and the same registration with its duplicate
check (jobs.register_row). Each submission is stored once per (source, uuid) as an ExternalSubmission,
so that KoboToolbox's retries answer with the first outcome instead of registering the household twice.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from beneficiaries.imports import jobs
from beneficiaries.imports import mapping as mappings
from beneficiaries.imports.validation import RowValidator
from beneficiaries.models import ExternalSubmission, ImportRow

DEFAULT_SOURCE = "kobo"


def flatten(submission: dict) -> dict[str, str]:
    """Kobo keys with their group path; repeat groups (lists) and metadata objects are not household fields."""
    return {
        key: ("" if value is None else str(value))
        for key, value in submission.items()
        if not isinstance(value, list | dict)
    }


def submission_uuid(cells: dict[str, str]) -> str:
    """The submission's identity: `_uuid`, else `meta/instanceID` without its "uuid:" prefix ("" when neither)."""
    return cells.get("_uuid") or cells.get("meta/instanceID", "").removeprefix("uuid:")


def receive_submission(
    submission: dict, *, user: User, source: str = DEFAULT_SOURCE
) -> tuple[ExternalSubmission, bool]:
    """Register one KoboToolbox submission, once: returns (the stored submission, whether it was seen before).

    `submission` is Kobo's JSON object: keys with their group path (`household/head_name`), values
    strings or numbers; lists (repeat groups) and objects are ignored. `source` names the form (at most
    200 characters): the mapping is remembered per source, and the uuid is unique per source.
    The stored submission's `outcome` is an ImportRow.Outcome: created, flagged, held (a probable
    duplicate waiting for review) or invalid (its `errors` list the refused cells, column by column,
    as a file import's rows do); nothing but the ExternalSubmission is written for an invalid one.
    A retry (the same source and uuid, even while the first is being stored) returns the first one
    with True. Raises ValidationError: {"_uuid": ...} without an identity or with one over 100 characters,
    {<key>: ...} for a key or value holding a NUL character (PostgreSQL cannot store it), {"mapping": ...} when the
    keys map to household fields in a way the import refuses (e.g. two keys on one field).
    The caller checks that `user` may import households (accounts.selectors.can_import_households).
    """
    source = (source or DEFAULT_SOURCE).strip()[:200] or DEFAULT_SOURCE
    cells = flatten(submission)
    # PostgreSQL cannot store a NUL character: refused here, naming the key, rather than failing the insert.
    with_nul = {
        key: ["A key or value cannot contain a NUL character."] for key, value in cells.items() if "\x00" in key + value
    }
    if with_nul:
        raise ValidationError(with_nul)
    uuid = submission_uuid(cells)
    if not uuid:
        raise ValidationError({"_uuid": ["The submission has no _uuid (or meta/instanceID)."]})
    if len(uuid) > ExternalSubmission._meta.get_field("submission_uuid").max_length:
        raise ValidationError({"_uuid": ["The submission's _uuid (or meta/instanceID) is too long."]})
    stored = ExternalSubmission.objects.filter(source=source, submission_uuid=uuid).first()
    if stored:
        return stored, True
    # The file import's rules: remembered choices (an ignored column stays ignored), exact names, aliases.
    mapping = mappings.propose(list(cells), [], source)
    errors = mappings.check({key: field for key, field in mapping.items() if field})
    if errors:
        raise ValidationError({"mapping": [f"{key}: {reason}" for key, reason in errors.items()]})
    values = jobs.row_values(list(cells), list(cells.values()), mapping)
    result = RowValidator(user, mapping).validate(values)
    try:
        with transaction.atomic():
            if result.errors:
                outcome, household, review, row_errors = ImportRow.Outcome.INVALID, None, None, result.errors
            else:
                columns = {field: key for key, field in mapping.items() if field}
                outcome, household, review, row_errors = jobs.register_row(
                    result.fields, user=user, source=f"kobo:{source}", columns=columns
                )
            stored = ExternalSubmission.objects.create(
                source=source,
                submission_uuid=uuid,
                received_by=user,
                outcome=outcome,
                errors=row_errors,
                notes=result.notes,
                household=household,
                review=review,
            )
    except IntegrityError:  # the same submission, retried while the first was being stored
        return ExternalSubmission.objects.get(source=source, submission_uuid=uuid), True
    return stored, False
