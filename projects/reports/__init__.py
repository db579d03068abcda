"""Donor report builders. The figures are frozen once (JSON); every other format is drawn from them.

No personal data goes into any output: figures are aggregated by site at the finest.
"""

import json
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from beneficiaries.models import sadd_groups
from kits.models import KitType
from projects.models import ProgressReport
from projects.progress import kits_by, project_progress, reach_by
from projects.reports import hxl, iati, pdf, xlsx

BUILDERS = {"xlsx": xlsx.build, "pdf": pdf.build, "csv": hxl.build, "xml": iati.build}
# Read by people: headings in the report's language. The JSON, HXL and IATI outputs are for machines
# and keep the default language (IATI narratives declare theirs).
TRANSLATED = {"xlsx", "pdf"}


def output_path(report: ProgressReport, fmt: str) -> str:
    """Fixed names: building twice overwrites the same files, so one set of outputs exists."""
    return f"reports/{report.project.code}/progress-report-{report.pk}.{fmt}"


def frozen_figures(report: ProgressReport) -> dict:
    from projects.services import report_filter

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
            "period": _with_kit_names(period.as_json()),
            "cumulative": _with_kit_names(cumulative.as_json()),
            "by_site_and_kit": by_site_and_kit,
            "distributions": distributions,
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


def build_outputs(report: ProgressReport, renew_lease: Callable[[], None]) -> tuple[dict, dict]:
    """Freeze the figures, then write every format; renews the worker's lease between outputs."""
    with translation.override(settings.LANGUAGE_CODE):
        figures = frozen_figures(report)
    outputs = {}
    writes = [("json", lambda: json.dumps(figures, ensure_ascii=False, indent=1).encode())]
    writes += [(fmt, lambda build=build: build(figures)) for fmt, build in BUILDERS.items()]
    for fmt, render in writes:
        path = output_path(report, fmt)
        with translation.override(report.language if fmt in TRANSLATED else settings.LANGUAGE_CODE):
            content = render()
        if default_storage.exists(path):
            default_storage.delete(path)
        outputs[fmt] = default_storage.save(path, ContentFile(content))
        renew_lease()
    return figures, outputs
