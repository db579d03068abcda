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
from projects.models import ProgressReport, Project, Target, TargetPeriod
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
            project_sites = Site.objects.filter(distributions__project=project)
            sites = visible_project_sites(user, project) if user else project_sites
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


# --- the partner API's writes on projects and targets (issue 18) -----------------------------------------------

PROJECT_FIELDS = (
    "code",
    "title",
    "title_fr",
    "title_ar",
    "donor",
    "lead_organisation",
    "start_date",
    "end_date",
    "status",
    "retention_months",
)
TARGET_FIELDS = ("indicator", "kit_type", "kit_category", "admin_area", "activity_indicator", "target_value")


def _checked(instance, exclude=None) -> None:
    """Model validation (fields, uniqueness, constraints) as a ValidationError by field: a 400, never a 500."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _unknown(fields: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})


@transaction.atomic
def create_project(*, created_by: User | None, admin_areas=(), implementing_partners=(), **fields) -> Project:
    """A new project (PROJECT_FIELDS; donor and lead organisation as Organisations; its areas and partners).
    A creator who is not an administrator is assigned to it, so it is in the creator's scope. Raises
    ValidationError by field (a code in use, an end before the start)."""
    _unknown(fields, PROJECT_FIELDS)
    project = Project(**fields)
    _checked(project)
    project.save()
    project.admin_areas.set(admin_areas)
    project.implementing_partners.set(implementing_partners)
    if created_by is not None and not created_by.is_administrator:
        created_by.assigned_projects.add(project)
    return project


@transaction.atomic
def update_project(
    project: Project, *, updated_by: User | None, admin_areas=None, implementing_partners=None, **changes
) -> Project:
    """Change a project's PROJECT_FIELDS; `admin_areas` and `implementing_partners`, when given, replace them."""
    _unknown(changes, PROJECT_FIELDS)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    _checked(locked)
    locked.save()
    if admin_areas is not None:
        locked.admin_areas.set(admin_areas)
    if implementing_partners is not None:
        locked.implementing_partners.set(implementing_partners)
    return locked


def _save_periods(target: Target, periods: list[dict]) -> None:
    """Replace a target's periods; each within the project's dates, none overlapping. Raises ValidationError
    with `periods.<index>.<field>` names."""
    errors: dict[str, list[str]] = {}
    project = target.project
    ordered = sorted(enumerate(periods), key=lambda pair: pair[1].get("period_start") or datetime.date.min)
    previous_end = None
    for index, period in ordered:
        start, end = period.get("period_start"), period.get("period_end")
        if start and end and end < start:
            errors[f"periods.{index}.period_end"] = [_("The period ends before it starts.")]
        if start and end and (start < project.start_date or end > project.end_date):
            errors[f"periods.{index}.period_start"] = [_("A period lies within the project's dates.")]
        if previous_end and start and start <= previous_end:
            errors[f"periods.{index}.period_start"] = [_("Periods may not overlap.")]
        previous_end = end
    if errors:
        raise ValidationError(errors)
    TargetPeriod.objects.filter(target=target).delete()
    for index, period in enumerate(periods):
        row = TargetPeriod(target=target, **period)
        try:
            row.full_clean(exclude=["target"])
        except ValidationError as error:
            raise ValidationError(
                {f"periods.{index}.{name}": messages for name, messages in error.message_dict.items()}
            ) from None
        row.save()


@transaction.atomic
def create_target(*, project: Project, created_by: User | None, periods=None, **fields) -> Target:
    """A target of a project (TARGET_FIELDS) with its periods (`period_start`, `period_end`, `target_value`).
    Raises ValidationError by field."""
    _unknown(fields, TARGET_FIELDS)
    target = Target(project=project, **fields)
    _checked(target)
    target.save()
    _save_periods(target, periods or [])
    return target


@transaction.atomic
def update_target(target: Target, *, updated_by: User | None, periods=None, **changes) -> Target:
    """Change a target's TARGET_FIELDS; `periods`, when given, replace its periods. Its project is fixed."""
    _unknown(changes, TARGET_FIELDS)
    locked = Target.objects.select_for_update().select_related("project").get(pk=target.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    _checked(locked)
    locked.save()
    if periods is not None:
        _save_periods(locked, periods)
    return locked
