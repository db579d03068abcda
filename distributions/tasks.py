"""Celery tasks stay thin: they load what they need and call selectors or services."""

from celery import shared_task

from distributions.models import Distribution
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
