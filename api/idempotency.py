"""Idempotency-Key on POST: a retry with the same key and body gets the first answer, once.

The key is scoped to the authenticated user. A pending record is inserted before the work, in
its own transaction, so a concurrent retry sees it: 409 while the first is still running, the
stored answer once it finished, 422 when the same key comes with a different request. Server
errors are not stored (the record is dropped), so the client may retry them.

"Still running" is a fact of the database, not of the record alone: the request that claims a key
holds a PostgreSQL session advisory lock on it (namespace LOCK_NAMESPACE) until its answer is
committed, and the claim, the work and the answer are one transaction (api/base.py). A worker that
dies (killed, out of memory, its machine gone) loses its connection: PostgreSQL rolls all three back
and releases the lock, and the retry does the work, once (issue 12: a killed worker left its key
answering 409 for good, and the field app then dropped the officer's registration). A pending record
nobody holds the lock of (left by an earlier version) is taken over the same way.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from rest_framework.response import Response

from api.models import IdempotencyRecord
from api.problems import ApiProblem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
_STORED_HEADERS = ("ETag", "Location")  # the content type is set at rendering, stored apart


class Replay(Exception):
    """Raised from a view's initial(): answer with the stored response instead of doing the work."""

    def __init__(self, response: Response):
        self.response = response


def _fingerprint(request) -> str:
    """SHA-256 of the method, the path with its query and the body (hex), the request's identity for its key.

    A multipart body (an import's file) is not read raw: Django refuses `request.body` once the files
    were parsed, or when it is over DATA_UPLOAD_MAX_MEMORY_SIZE. It is identified by its parsed form
    fields and, for each uploaded file, its field, name, size and the SHA-256 of its content, read in
    chunks (a file spooled to disk is never loaded whole). The same fields and files give the same
    fingerprint however the client laid out the parts.
    """
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    if request.content_type.startswith("multipart/"):
        digest.update(_multipart_identity(request))
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _multipart_identity(request) -> bytes:
    fields = sorted((name, values) for name, values in request.POST.lists())
    files = []
    for name, uploads in sorted(request.FILES.lists()):
        for upload in uploads:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)  # the view reads the file next
            files.append([name, upload.name, upload.size, content.hexdigest()])
    return json.dumps({"fields": fields, "files": files}, ensure_ascii=False).encode()


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiProblem(
            400,
            f"The {HEADER} header must have 1 to {MAX_KEY_LENGTH} characters.",
            "invalid",
            {"errors": {HEADER: ["Give 1 to 255 characters."]}},
        )
    return key


LOCK_NAMESPACE = 7012  # pg_advisory_lock(namespace, hashtext(user id ':' key)); 7001 is the registrations'


def _try_lock(user_id: int, key: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, f"{user_id}:{key}"])
        return bool(cursor.fetchone()[0])


def release(record: IdempotencyRecord) -> None:
    """Let go of the key's lock (the answer is stored, or the claim dropped). Safe to call twice."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_unlock(%s, hashtext(%s))", [LOCK_NAMESPACE, f"{record.user_id}:{record.key}"]
        )


def _replay(stored: IdempotencyRecord) -> Replay:
    headers = {name: value for name, value in stored.response_headers.items() if name != "Content-Type"}
    headers[REPLAYED_HEADER] = "true"
    return Replay(
        Response(
            stored.response_body,
            status=stored.status_code,
            headers=headers,
            content_type=stored.response_headers.get("Content-Type"),
        )
    )


def begin(request) -> IdempotencyRecord | None:
    """Claim the key before doing the work; raise Replay or a problem when the key was seen.

    Returns the pending record, its lock held by this connection (the caller calls finish(), or
    release() when the work failed), or None for a request without a key. Raises Replay (the stored
    answer), ApiProblem 422 (same key, other request) or 409 (the first request is alive and working).
    """
    if request.method != "POST" or not request.user.is_authenticated:
        return None
    key = _key(request)
    if key is None:
        return None
    fingerprint = _fingerprint(request)
    locked = _try_lock(request.user.pk, key)
    try:
        record = _claim(request.user, key, fingerprint, locked)
    except BaseException:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", [LOCK_NAMESPACE, f"{request.user.pk}:{key}"]
                )
        raise
    return record


def _claim(user, key: str, fingerprint: str, locked: bool) -> IdempotencyRecord:
    if locked:
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=user, key=key, request_fingerprint=fingerprint)
        except IntegrityError:
            pass
    stored = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if stored is None:  # dropped after a server error in between: let this one do the work
        if not locked:
            raise ApiProblem(
                409, "A request with this Idempotency-Key is still being processed.", "request_in_progress"
            )
        return _claim(user, key, fingerprint, locked)
    if stored.request_fingerprint != fingerprint:
        raise ApiProblem(422, f"This {HEADER} was used with a different request.", "idempotency_key_reused")
    if stored.is_complete:
        raise _replay(stored)
    if not locked:  # the request holding the lock is alive and at work
        raise ApiProblem(409, "A request with this Idempotency-Key is still being processed.", "request_in_progress")
    return stored  # pending, and nobody holds its lock: the request that claimed it died; take it over


def finish(record: IdempotencyRecord, response) -> None:
    """Store the answer, or drop the claim after a server error so the client may retry.

    In the request's transaction (api/base.py): the caller releases the lock after the commit.
    """
    if response.status_code >= 500 or not hasattr(response, "data"):
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    record.status_code = response.status_code
    # PostgreSQL's jsonb refuses NUL characters (an error message may echo the input that had one).
    text = json.dumps(response.data, cls=DjangoJSONEncoder).replace("\\u0000", "\\ufffd")
    record.response_body = json.loads(text)
    record.response_headers = {name: response[name] for name in _STORED_HEADERS if response.has_header(name)}
    if response.content_type:
        record.response_headers["Content-Type"] = response.content_type
    record.save(update_fields=["status_code", "response_body", "response_headers"])
