"""ETag and If-Match for optimistic concurrency on households."""

import hashlib

from api.problems import ApiProblem


def etag_for(instance) -> str:
    """A strong ETag that changes with every save (updated_at has microseconds)."""
    version = f"{type(instance).__name__}:{instance.pk}:{instance.updated_at.isoformat()}"
    return '"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"'


def check_if_match(request, instance) -> None:
    """412 when If-Match is sent and names another version; no header means an unconditional write."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in wanted or etag_for(instance) in wanted:
        return
    raise ApiProblem(
        412,
        "This record changed since you read it. Read it again and reapply your change.",
        "precondition_failed",
    )
