"""A project's dashboard and report figures: its targets' progress beside the figures of
distributions/progress (kits, reach, places, timelines), in one `ProjectProgress`.

The dashboard page, the progress API and the donor report builder all call `project_progress`;
what each audience may see of it is decided after, in projects/disclosure.py.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils import timezone

from distributions.models import REACH_FIGURES
from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import (
    KIT_TYPE,
    PLACES,
    kits_by,
    kits_timeline,
    places,
    reach_by,
    reach_timeline,
    reach_totals,
    roll_up,
)
from projects.models import Project
from projects.targets import TargetProgress, target_progress


@dataclass
class ProjectProgress:
    project_id: int
    project_code: str
    as_of: datetime.date
    filters: dict
    targets: list[TargetProgress]
    kits_by_type: list[dict]
    reach: dict
    reach_by_displacement: list[dict]
    by_region: list[dict]
    by_area: list[dict]
    by_site: list[dict]
    kits_over_time: list[dict]
    reach_over_time: list[dict]
    bucket: str
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    def as_json(self) -> dict:
        """JSON-ready: dates as ISO strings, decimals as numbers."""
        return _jsonable(asdict(self))


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def project_progress(
    project: Project, filters: ProgressFilter | None = None, *, bucket: str = "week", as_of: datetime.date | None = None
) -> ProjectProgress:
    """Every figure of a project's dashboard and report: a dozen small queries whatever the data's size."""
    filters = filters or ProgressFilter()
    today = timezone.localdate()
    as_of = as_of or min(filter(None, [filters.period_end, today]))
    names: dict = {}  # kits first: every reached place has kits, so reach rows need no name query
    kit_rows = kits_by([project.pk], filters, *PLACES, *KIT_TYPE, names=names)
    reach_rows = reach_by([project.pk], filters, *PLACES, "displacement_status", names=names)
    reach = reach_totals(reach_rows)
    kits_by_type = roll_up(kit_rows, KIT_TYPE, ["kits"])
    return ProjectProgress(
        project_id=project.pk,
        project_code=project.code,
        as_of=as_of,
        filters=filters.as_query(),
        targets=target_progress(project, filters, as_of, kit_rows=kit_rows, reach=reach),
        kits_by_type=kits_by_type,
        reach=reach,
        reach_by_displacement=roll_up(reach_rows, ("displacement_status",), list(REACH_FIGURES)),
        by_region=places(kit_rows, reach_rows, ("admin1_id", "admin1__name", "admin1__pcode")),
        by_area=places(
            kit_rows, reach_rows, ("admin1__name", "admin2_id", "admin2__name", "admin2__pcode", "admin1__pcode")
        ),
        by_site=places(
            kit_rows,
            reach_rows,
            ("admin1__name", "admin2__name", "admin2__pcode", "site_id", "site__name", "site__code"),
        ),
        kits_over_time=kits_timeline(project.pk, filters, bucket),
        reach_over_time=reach_timeline(project.pk, filters, bucket),
        bucket=bucket,
    )
