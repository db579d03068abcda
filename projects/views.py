"""Programme managers' dashboards: thin views over projects/progress.py and projects/selectors.py."""

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import can_manage_lists
from beneficiaries.models import VULNERABILITY_FIELDS, DisplacementStatus, HouseholdFigures
from config.replica import reading_from_replica
from projects import charts
from projects.disclosure import (
    can_see_exact_figures,
    can_see_personal_data,
    disclosed_headline,
    disclosed_pipeline,
    disclosed_progress,
    suppressed_marker,
)
from projects.forms import ProgressFilterForm, ReportRequestForm
from projects.indicators.models import unit_label
from projects.pipeline import project_pipeline
from projects.progress import project_progress
from projects.selectors import (
    can_request_reports,
    default_report_period,
    visible_dashboard_project,
    visible_dashboard_projects,
    visible_report_file,
    visible_reports,
)
from projects.services import request_report
from projects.targets import headline_progress, measure_goal


@login_required
@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    # Projects and their figures from the same database (a replica may lag the primary by a second,
    # docs/scaling.md): a project created a moment ago appears with its figures, or not at all.
    with reading_from_replica():
        projects = list(visible_dashboard_projects(request.user))
        headline = disclosed_headline(headline_progress(visible_dashboard_projects(request.user)), request.user)
    rows = [{"project": project, **headline[project.pk]} for project in projects]
    return render(request, "dashboard/project_list.html", {"rows": rows, "withheld_marker": suppressed_marker()})


def figure(number: int | None) -> str:
    """A count as shown on a page: grouped digits, or the marker where projects/disclosure.py withheld it."""
    return suppressed_marker() if number is None else number_format(number, force_grouping=True)


# Sites listed before "show all": a project may have hundreds, and the page must stay fast.
TOP_SITES = 20


def _place_rows(places: list[dict], kit_codes: list[str], name: str, code: str, area: bool) -> list[dict]:
    """Table rows with every number already formatted: one template filter per cell cost most of the render."""
    rows = []
    for place in places:
        numbers = [*(place["kits_by_type"].get(kit, 0) for kit in kit_codes), place["households"], place["individuals"]]
        rows.append(
            {
                "name": place[name],
                "code": place[code] or "",
                "area": (place["admin2__name"] or place["admin1__name"]) if area else None,
                "cells": [figure(number) for number in numbers],
            }
        )
    return rows


def _sites_context(request: HttpRequest, by_site: list[dict], kit_codes: list[str]) -> dict:
    """The busiest sites, or every site with ?sites=all (links keep the other filters)."""
    show_all = request.GET.get("sites") == "all"
    shown = by_site
    if not show_all:
        busiest = sorted(
            by_site, key=lambda place: (-(place["kits"] or 0), -(place["households"] or 0), place["site__name"] or "")
        )
        shown = busiest[:TOP_SITES]
    query = request.GET.copy()
    query.pop("sites", None)
    top_url = f"?{query.urlencode()}#sites"
    query["sites"] = "all"
    return {
        "site_rows": _place_rows(shown, kit_codes, "site__name", "site__code", area=True),
        "sites_total": len(by_site),
        "sites_shown": len(shown),
        "all_sites_url": f"?{query.urlencode()}#sites",
        "top_sites_url": top_url,
        "show_all_sites": show_all,
        "top_sites": TOP_SITES,
    }


def _vulnerability_rows(reach: dict) -> list[dict]:
    return [
        {"label": HouseholdFigures._meta.get_field(name).verbose_name, "households": reach.get(name, 0)}
        for name in VULNERABILITY_FIELDS
    ]


@login_required
@require_safe
def project_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_dashboard_project(request.user, pk)
    form = ProgressFilterForm.for_project(request.GET, project, request.user)
    filters, bucket = form.filters_and_bucket()
    # The figures may come from a read replica, a second behind; the reports list below, which a manager
    # has just added to, reads the primary (docs/scaling.md).
    with reading_from_replica():
        progress = disclosed_progress(project_progress(project, filters, bucket=bucket), request.user)
    kit_codes = sorted({row["kit_type__code"] for row in progress.kits_by_type})
    targets = [asdict(target) for target in progress.targets]
    context = {
        "project": project,
        "can_plan": can_manage_lists(request.user),  # the plan page of issue 19
        "kit_codes": kit_codes,
        "region_rows": _place_rows(progress.by_region, kit_codes, "admin1__name", "admin1__pcode", area=False),
        "by_displacement": [
            {**row, "label": DisplacementStatus(row["displacement_status"]).label}
            for row in progress.reach_by_displacement
        ],
        "form": form,
        "progress": progress,
        "targets": [
            {
                "row": target,
                "bar": charts.progress_bar(target.percent, target.expected_percent)
                if target.percent is not None
                else "",
                "unit": unit_label(target.unit) if target.unit else "",
            }
            for target in progress.targets
        ],
        # One chart per measure (kits, households), each with its axis, target and expected-by-now lines.
        "cumulative_charts": [
            charts.cumulative_chart(
                charts.Series(
                    _("Kits"),
                    [
                        (row["bucket"], row["cumulative_kits"])
                        for row in progress.kits_over_time
                        if row["cumulative_kits"] is not None
                    ],
                    "kits",
                ),
                **measure_goal(targets, "kits_distributed"),
            ),
            charts.cumulative_chart(
                charts.Series(
                    _("Households"),
                    [
                        (row["bucket"], row["cumulative_households"])
                        for row in progress.reach_over_time
                        if row["cumulative_households"] is not None
                    ],
                    "households",
                ),
                **measure_goal(targets, "households_reached"),
            ),
        ],
        # Withheld with the households it counts (projects/disclosure.py): no bars, no numbers.
        "pyramid": charts.pyramid(progress.reach) if progress.reach["households"] is not None else None,
        "vulnerability": _vulnerability_rows(progress.reach),
        "withheld_marker": suppressed_marker(),
        # issue 20: kits, whatever the filter (dashboard/_pipeline.html); handed out withheld with a small reach
        "pipeline": disclosed_pipeline(project_pipeline(project), project.pk, request.user),
    }
    context.update(_sites_context(request, progress.by_site, kit_codes))
    context.update(_reports_context(request, project))
    return render(request, "dashboard/project_dashboard.html", context)


def _reports_context(request: HttpRequest, project) -> dict:
    start, end = default_report_period(project, timezone.localdate())
    return {
        # Who asked for a report is a staff name: only for roles that see personal data (projects/disclosure.py).
        "staff_names": can_see_personal_data(request.user),
        # The frozen figures (JSON of every site and kit) are not shown here: not read either.
        "reports": list(visible_reports(request.user).filter(project=project).defer("figures")[:10]),
        "can_request_reports": can_request_reports(request.user),
        # The JSON output holds the exact frozen figures (projects.disclosure.report_formats).
        "json_reports": can_see_exact_figures(request.user),
        "report_form": ReportRequestForm(initial={"period_start": start, "period_end": end}),
    }


@login_required
@require_POST
def request_project_report(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_dashboard_project(request.user, pk)
    if not can_request_reports(request.user):
        raise PermissionDenied
    form = ReportRequestForm(request.POST)
    if form.is_valid():
        try:
            request_report(
                project=project,
                requested_by=request.user,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                filters=form.cleaned_filters(),
                language=translation.get_language(),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The report is being built; it will be listed below when ready."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('dashboard:project', args=[project.pk])}#reports")


@login_required
@require_safe
def download_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A report's file, for users who may see its project (404 otherwise: no hint it exists).

    The CSV starts with a UTF-8 byte-order mark for Excel; `?bom=0` leaves it out (config/spreadsheets.py).
    """
    try:
        file = visible_report_file(request.user, pk, fmt, request.GET)
    except ValidationError as error:
        return HttpResponseBadRequest("; ".join(error.message_dict["bom"]), content_type="text/plain")
    return FileResponse(file.handle, as_attachment=True, filename=file.filename, content_type=file.content_type)
