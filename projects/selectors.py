"""Reads on projects for the dashboards, the API and the reports, built on accounts/selectors.py."""

import datetime
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, User
from accounts.selectors import visible_progress_projects, visible_sites
from config.spreadsheets import skip_bom, wants_bom
from distributions.models import DistributionItem
from distributions.progress.queries import last_day_with_receipts
from kits.models import KitType
from projects.disclosure import report_formats
from projects.models import ProgressReport, Project
from sites.models import AdminArea, Site


def visible_dashboard_projects(user: User) -> QuerySet[Project]:
    return visible_progress_projects(user).select_related("donor", "lead_organisation").order_by("-start_date", "code")


def visible_dashboard_project(user: User, pk: int) -> Project:
    """A project the user may see, or 404."""
    return get_object_or_404(visible_dashboard_projects(user), pk=pk)


def project_areas(project: Project) -> QuerySet[AdminArea]:
    """Regions covered by the project and their admin 2 areas: the dashboard's area filter."""
    covered = project.admin_areas.values("pk")
    return AdminArea.objects.filter(Q(pk__in=covered, level__in=[1, 2]) | Q(parent__in=covered, level=2)).order_by(
        "pcode"
    )


def visible_project_sites(user: User, project: Project) -> QuerySet[Site]:
    return visible_sites(user).filter(distributions__project=project).distinct().order_by("name")


def project_kit_types(project: Project) -> QuerySet[KitType]:
    """Kit types planned at the project's distributions: the dashboard's kit type filter."""
    return KitType.objects.filter(
        pk__in=DistributionItem.objects.filter(distribution__project=project).values("kit_type_id")
    ).order_by("code")


def visible_reports(user: User) -> QuerySet[ProgressReport]:
    """Reports of the projects the user may see: downloads are checked against this."""
    return ProgressReport.objects.filter(project__in=visible_progress_projects(user).values("pk")).select_related(
        "project", "requested_by"
    )


def can_request_reports(user: User) -> bool:
    return user.is_authenticated and (user.is_administrator or user.role == Role.PROGRAMME_MANAGER)


def default_report_period(project: Project, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period a report request on the dashboard proposes: (first day, last day), both included.

    A project that has ended: its whole period (a report of the last calendar month would be all
    zeros). A running one: the last month with receipts (distributions.progress.queries.last_day_with_receipts), cut to
    the project's dates and to today; none yet: from the project's start to today. Issue 15.
    """
    if project.end_date < today:
        return project.start_date, project.end_date
    last = last_day_with_receipts(project.pk)
    if last is None:
        return project.start_date, max(min(today, project.end_date), project.start_date)
    month_start = last.replace(day=1)
    month_end = (month_start + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)
    return max(month_start, project.start_date), min(month_end, project.end_date, max(today, last))


# The files of a done report, by format.
CONTENT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xml": "application/xml",
}


@dataclass(frozen=True)
class ReportFile:
    handle: File
    filename: str
    content_type: str


def visible_report_file(user: User, pk: int, fmt: str, params) -> ReportFile:
    """One file of a done report the user may see, for the dashboard's and the API's downloads alike.

    `fmt` one of CONTENT_TYPES and of the formats the user may download (projects.disclosure.report_formats);
    `params` the query string: `bom=0` starts a CSV after its UTF-8 byte-order mark. Raises Http404 (no such
    report for the user, not done, or a format it may not have) and django ValidationError({"bom": [...]}).
    """
    report = get_object_or_404(visible_reports(user), pk=pk, status=ProgressReport.Status.DONE)
    if fmt not in CONTENT_TYPES or fmt not in report_formats(report.outputs, user):
        raise Http404
    bom = wants_bom(params)
    handle = default_storage.open(report.outputs[fmt], "rb")
    if fmt == "csv" and not bom:
        skip_bom(handle)
    filename = f"{report.project.code}-progress-{report.period_start}-{report.period_end}.{fmt}"
    return ReportFile(handle, filename, CONTENT_TYPES[fmt])
