"""Reads on activity results for their pages, built on accounts/selectors.py (issue 21)."""

from django.core.files import File
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import selectors as scope
from accounts.models import User
from projects.indicators.models import IndicatorResult

# The result list shows the newest entries first, this many per page (keyset: ?before=<id>).
PAGE_SIZE = 50


def visible_results(user: User) -> QuerySet[IndicatorResult]:
    return scope.visible_indicator_results(user).select_related(
        "indicator__project", "site", "admin_area", "handover__organisation", "submitted_by", "reviewed_by"
    )


def visible_result(user: User, pk: int) -> IndicatorResult:
    """A result the user may see, or 404 (no hint that it exists)."""
    return get_object_or_404(visible_results(user), pk=pk)


def results_page(user: User, *, status: str = "", before: int | None = None) -> list[IndicatorResult]:
    """Up to PAGE_SIZE results in scope, newest id first, below `before` (keyset), of one status if given."""
    results = visible_results(user).order_by("-id")
    if status:
        results = results.filter(status=status)
    if before:
        results = results.filter(id__lt=before)
    return list(results[:PAGE_SIZE])


def to_review(user: User) -> list[IndicatorResult]:
    """Submitted results the user may decide on (not its own): oldest first, PAGE_SIZE at most."""
    if not scope.can_review_results(user):
        return []
    results = visible_results(user).filter(status=IndicatorResult.Status.SUBMITTED).exclude(submitted_by=user)
    return list(results.order_by("submitted_at", "id")[:PAGE_SIZE])


def evidence_file(user: User, pk: int) -> tuple[File, str]:
    """(open file, download name) of a visible result's evidence; Http404 when it has none or is out of scope."""
    result = visible_result(user, pk)
    if not result.evidence:
        raise Http404
    name = result.evidence.name.rsplit("/", 1)[-1]
    return result.evidence.open("rb"), f"evidence-{result.pk}-{name}"
