"""Writes on projects: asking for donor progress reports (one, or each active project's monthly one).

The request is validated and saved, and handed to the queue after commit by projects/report_jobs.py,
which owns the rest of a report's life (claim, lease, retry, sweep, stored outputs).
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from distributions.progress.filters import ProgressFilter
from projects import report_jobs
from projects.models import ProgressReport, Project
from projects.selectors import project_areas, project_kit_types, visible_project_sites
from sites.models import Site

logger = logging.getLogger(__name__)


def _validate_request(project: Project, period_start, period_end, filters: dict, user: User | None = None) -> None:
    """Field errors {name: [message]} of a report request; filters named `filters.<name>` as in the body.

    A filter must name a record the project's dashboard offers (its areas, the requester's sites of the
    project, its kit types): the choices of `forms.ProgressFilterForm.for_project`, so the progress API and
    a report answer one filter alike. Raises ValidationError.
    """
    errors: dict[str, list[str]] = {}
    if period_start is None:
        errors["period_start"] = [_("Give the start of the period.")]
    if period_end is None:
        errors["period_end"] = [_("Give the end of the period.")]
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = [_("The end of the period cannot be before its start.")]
    unknown = sorted(set(filters) - set(ProgressFilter.NARROWING_NAMES))
    if unknown:
        errors["filters"] = [_("Unknown filters: %(names)s.") % {"names": ", ".join(unknown)}]
    else:
        try:
            chosen = ProgressFilter.from_query(filters)
        except ValidationError as error:
            # Named as in the request body: {"filters": {"area": …}} -> "filters.area".
            errors.update((f"filters.{name}", messages) for name, messages in error.message_dict.items())
        else:
            visible_project_sites = Site.objects.filter(distributions__project=project)
            sites = visible_project_sites(user, project) if user else visible_project_sites
            for name, value, choices in (
                ("area", chosen.area_id, project_areas(project)),
                ("site", chosen.site_id, sites),
                ("kit_type", chosen.kit_type_id, project_kit_types(project)),
            ):
                if value is not None and not choices.filter(pk=value).exists():
                    errors[f"filters.{name}"] = [_("Not one of this project's choices.")]
    if errors:
        raise ValidationError(errors)


def request_report(
    *,
    project: Project,
    requested_by: User | None,
    period_start: datetime.date,
    period_end: datetime.date,
    filters: dict | None = None,
    scheduled: bool = False,
    language: str | None = None,
) -> ProgressReport:
    """Save a queued report and send it to Celery once the transaction commits.

    `language`: the requester's (the XLSX and PDF are written in it); the default language if unsupported.
    """
    filters = {key: str(value) for key, value in (filters or {}).items() if value not in (None, "")}
    _validate_request(project, period_start, period_end, filters, requested_by)
    language = report_language(language)
    with transaction.atomic():
        if scheduled:
            report, created = ProgressReport.objects.get_or_create(
                project=project,
                period_start=period_start,
                period_end=period_end,
                scheduled=True,
                defaults={"filters": filters, "requested_by": requested_by, "language": language},
            )
            if not created:
                return report
        else:
            report = ProgressReport.objects.create(
                project=project,
                period_start=period_start,
                period_end=period_end,
                filters=filters,
                requested_by=requested_by,
                language=language,
            )
        transaction.on_commit(lambda: report_jobs.send_report(report.pk))
    return report


def report_language(language: str | None) -> str:
    try:
        return translation.get_supported_language_variant(language or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def request_monthly_reports(today: datetime.date | None = None) -> list[ProgressReport]:
    """One report of last month per active project that had started by then (idempotent per month)."""
    start, end = previous_month(today or timezone.localdate())
    projects = Project.objects.filter(status=Project.Status.ACTIVE, start_date__lte=end, end_date__gte=start)
    return [
        request_report(project=project, requested_by=None, period_start=start, period_end=end, scheduled=True)
        for project in projects
    ]
