"""A donor report's figures, computed once from the progress summaries and frozen as JSON: every output
(projects/reports/builders.py) is drawn from them, and no builder reads the database.

No personal data goes into them: figures are aggregated by site at the finest.
"""

import json
from dataclasses import replace

from django.conf import settings
from django.utils import translation

from beneficiaries.models import sadd_groups
from distributions.lists.selectors import project_attendance
from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import kits_by, reach_by
from kits.models import KitType
from projects.models import ProgressReport
from projects.progress import project_progress
from projects.reports.indicators import frozen_activities, with_indicator_names
from projects.reports.pipeline import frozen_pipeline


def report_filter(report: ProgressReport) -> ProgressFilter:
    """The filter a report was asked with: its period and its stored narrowing filters (checked when asked)."""
    return replace(
        ProgressFilter.from_query(report.filters or {}),
        period_start=report.period_start,
        period_end=report.period_end,
    )


def frozen_figures(report: ProgressReport) -> dict:
    """Every figure of a report, computed once from the summaries, in the default language (labels frozen)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _frozen_figures(report)


def _frozen_figures(report: ProgressReport) -> dict:
    project = report.project
    filters = report_filter(report)
    period = project_progress(project, filters, as_of=report.period_end)
    cumulative = project_progress(project, replace(filters, period_start=None), as_of=report.period_end)
    places = ("admin1__name", "admin1__pcode", "admin2__name", "admin2__pcode", "site__name", "site__code")
    kit = ("kit_type_id", "kit_type__code", "kit_type__name")
    reach = {
        tuple(row[name] for name in (*places, *kit)): row
        for row in reach_by([project.pk], filters, *places, *kit, per=("kit_type_id",))
    }
    by_site_and_kit = []
    for row in kits_by([project.pk], filters, *places, *kit):
        reached = reach.get(tuple(row[name] for name in (*places, *kit)), {})
        by_site_and_kit.append(
            {
                **row,
                "households": reached.get("households", 0),
                "individuals": reached.get("individuals", 0),
                **sadd_groups(reached),  # girls, boys, women, men
            }
        )
    distributions = kits_by(
        [project.pk],
        filters,
        "distribution_id",
        "distribution__name",
        "distribution__name_fr",
        "distribution__name_ar",
        "distribution__planned_start",
        "distribution__planned_end",
        "distribution__status",
        "site__name",
        "admin2__name",
        "kit_type__code",
    )
    activities = _jsonable(frozen_activities(project, filters))
    return _jsonable(
        {
            "report": {
                "id": report.pk,
                "period_start": report.period_start,
                "period_end": report.period_end,
                "filters": report.filters,
                "requested_at": report.requested_at,
            },
            "project": {
                "code": project.code,
                "title": project.title,
                "title_fr": project.title_fr,
                "title_ar": project.title_ar,
                "donor": project.donor.name,
                "donor_iati": project.donor.iati_identifier,
                "lead_organisation": project.lead_organisation.name,
                "lead_organisation_iati": project.lead_organisation.iati_identifier,
                "start_date": project.start_date,
                "end_date": project.end_date,
                "status": project.status,
            },
            "period": with_indicator_names(_with_kit_names(period.as_json()), activities),
            "cumulative": with_indicator_names(_with_kit_names(cumulative.as_json()), activities),
            "by_site_and_kit": by_site_and_kit,
            "distributions": distributions,
            **frozen_pipeline(project),  # issue 20: the kit pipeline (projects/reports/pipeline.py)
            "activities": activities,
            "lists": project_attendance(project.pk),  # served and absent on each approved list (issue 19)
        }
    )


def _with_kit_names(progress: dict) -> dict:
    """Each kit target also carries its kit's French and Arabic names (`label_fr`, `label_ar`), so the
    XLSX and PDF name it in the report's language while `label` (frozen in the default language) feeds
    the machine-read outputs (IATI narratives are English)."""
    kit_ids = {target["kit_type_id"] for target in progress["targets"] if target["kit_type_id"]}
    names = {kit.pk: kit for kit in KitType.objects.filter(pk__in=kit_ids).only("name_fr", "name_ar")}
    for target in progress["targets"]:
        kit = names.get(target["kit_type_id"])
        if kit:
            target["label_fr"], target["label_ar"] = kit.name_fr, kit.name_ar
    return progress


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))
