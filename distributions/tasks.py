"""Celery tasks stay thin: they load what they need and call selectors or services."""

from celery import shared_task

from distributions.models import Distribution
from distributions.progress.compact import compact_summaries
from distributions.selectors import distribution_progress


@shared_task
def distribution_progress_task(distribution_id: int) -> list[dict]:
    """Kits given against planned for one distribution, as JSON-ready rows."""
    distribution = Distribution.objects.get(pk=distribution_id)
    return [
        {
            "kit_type": row["kit_type"].code,
            "planned": row["planned_quantity"],
            "given": row["given"],
            "households": row["households"],
        }
        for row in distribution_progress(distribution)
    ]


@shared_task
def compact_progress_summaries() -> dict[str, int]:
    """Nightly (a django-celery-beat row, distributions.0020): each summary key's stripe rows merged into one
    (distributions/progress/compact.py). Returns {table: rows deleted}."""
    return compact_summaries()
