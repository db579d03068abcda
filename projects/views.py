"""Programme managers' dashboards: thin views over projects/progress.py and projects/selectors.py."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from beneficiaries.models import VULNERABILITY_FIELDS, DisplacementStatus, HouseholdFigures
from projects import charts
from projects.forms import ProgressFilterForm
from projects.progress import headline_progress, project_progress
from projects.selectors import dashboard_project, dashboard_projects, project_areas, project_sites


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = list(dashboard_projects(request.user))
    headline = headline_progress(dashboard_projects(request.user))
    rows = [{"project": project, **headline[project.pk]} for project in projects]
    return render(request, "dashboard/project_list.html", {"rows": rows})


def _with_cells(places: list[dict], kit_codes: list[str]) -> list[dict]:
    return [{**place, "cells": [place["kits_by_type"].get(code, 0) for code in kit_codes]} for place in places]


def _vulnerability_rows(reach: dict) -> list[dict]:
    return [
        {"label": HouseholdFigures._meta.get_field(name).verbose_name, "households": reach.get(name, 0)}
        for name in VULNERABILITY_FIELDS
    ]


@login_required
def project_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    project = dashboard_project(request.user, pk)
    form = ProgressFilterForm(
        request.GET or None, areas=project_areas(project), sites=project_sites(request.user, project)
    )
    filters = form.progress_filter() if form.is_bound else None
    bucket = form.bucket_value() if form.is_bound else "week"
    progress = project_progress(project, filters, bucket=bucket)
    kit_codes = sorted({row["kit_type__code"] for row in progress.kits_by_type})
    context = {
        "project": project,
        "kit_codes": kit_codes,
        "by_region": _with_cells(progress.by_region, kit_codes),
        "by_site": _with_cells(progress.by_site, kit_codes),
        "by_displacement": [
            {**row, "label": DisplacementStatus(row["displacement_status"]).label}
            for row in progress.reach_by_displacement
        ],
        "form": form,
        "progress": progress,
        "targets": [
            {"row": target, "bar": charts.progress_bar(target.percent, target.expected_percent)}
            for target in progress.targets
        ],
        "cumulative_chart": charts.cumulative_chart(
            [
                charts.Series(
                    _("Kits"),
                    [(row["bucket"], row["cumulative_kits"]) for row in progress.kits_over_time],
                    "kits",
                ),
                charts.Series(
                    _("Households"),
                    [(row["bucket"], row["cumulative_households"]) for row in progress.reach_over_time],
                    "households",
                ),
            ]
        ),
        "pyramid": charts.pyramid(progress.reach),
        "vulnerability": _vulnerability_rows(progress.reach),
    }
    context.update(_reports_context(request, project))
    return render(request, "dashboard/project_dashboard.html", context)


def _reports_context(request: HttpRequest, project) -> dict:
    return {}
