"""An IATI 2.03 activity with result/indicator/period targets and actuals, validated against the schema."""

import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

from beneficiaries.models import SADD_FIELDS
from projects.reports.indicators import iati_actuals

# IATI ActivityStatus codes: 1 pipeline, 2 implementation, 3 finalisation, 4 closed, 5 cancelled, 6 suspended.
PIPELINE, IMPLEMENTATION, FINALISATION, CLOSED, SUSPENDED = "1", "2", "3", "4", "6"
DAC_MATERIAL_RELIEF = "72010"
INDICATOR_TITLES = {
    "kits_distributed": "Kits distributed: {label}",
    "households_reached": "Households reached",
    "individuals_reached": "Individuals reached",
    "activity": "{label}",
}


def schema_path() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "iati" / "iati-activities-schema.xsd"


def _narrative(parent, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    etree.SubElement(element, "narrative").text = text
    return element


def _identifier(project: dict) -> str:
    return f"{project['lead_organisation_iati'] or 'XX-XXX'}-{project['code']}"


def build(figures: dict) -> bytes:
    project, report, cumulative = figures["project"], figures["report"], figures["cumulative"]
    root = etree.Element("iati-activities", version="2.03", **{"generated-datetime": timezone.now().isoformat()})
    activity = etree.SubElement(
        root, "iati-activity", humanitarian="1", **{"last-updated-datetime": timezone.now().isoformat()}
    )
    etree.SubElement(activity, "iati-identifier").text = _identifier(project)
    reporting = _narrative(activity, "reporting-org", project["lead_organisation"])
    reporting.set("ref", project["lead_organisation_iati"] or "XX-XXX")
    reporting.set("type", "40")
    _narrative(activity, "title", project["title"])
    _narrative(activity, "description", f"Progress from {report['period_start']} to {report['period_end']}.")
    funding = _narrative(activity, "participating-org", project["donor"])
    funding.set("role", "1")
    if project["donor_iati"]:
        funding.set("ref", project["donor_iati"])
    implementing = _narrative(activity, "participating-org", project["lead_organisation"])
    implementing.set("role", "4")
    if project["lead_organisation_iati"]:
        implementing.set("ref", project["lead_organisation_iati"])
    etree.SubElement(activity, "activity-status", code=activity_status(project, timezone.localdate()))
    etree.SubElement(activity, "activity-date", type="1", **{"iso-date": project["start_date"]})
    etree.SubElement(activity, "activity-date", type="3", **{"iso-date": project["end_date"]})
    etree.SubElement(activity, "sector", vocabulary="1", code=DAC_MATERIAL_RELIEF, percentage="100")
    for target in cumulative["targets"]:
        _result(activity, target, report, project, cumulative["reach"])
    for row in figures.get("pipeline", []):  # issue 20: the kit pipeline (projects/reports/pipeline.py)
        _pipeline_result(activity, row, report, project)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    if schema_path().exists():
        validate(xml)  # never store an activity the IATI registry would refuse
    return xml


def activity_status(project: dict, today: datetime.date) -> str:
    """The IATI activity status on `today`, from the project's dates (frozen ISO strings): before its start
    pipeline, until its end implementation, after it finalisation; closed and suspended as the project says.
    A project still "active" after its end date was reported as in implementation (issue 15)."""
    if project["status"] == "closed":
        return CLOSED
    if project["status"] == "suspended":
        return SUSPENDED
    if today < datetime.date.fromisoformat(project["start_date"]):
        return PIPELINE
    if today > datetime.date.fromisoformat(project["end_date"]):
        return FINALISATION
    return IMPLEMENTATION


def result_period(project: dict, report: dict) -> tuple[str, str]:
    """A result period (ISO start, end): from the activity's start to the report's end, clamped to the
    activity's dates (IATI: a result period lies within the activity; the start not after the end)."""
    start, end = project["start_date"], project["end_date"]
    return start, min(max(report["period_end"], start), end)  # ISO dates compare as text


def _result(activity, target: dict, report: dict, project: dict, reach: dict) -> None:
    result = etree.SubElement(activity, "result", type="1", **{"aggregation-status": "1"})
    title = INDICATOR_TITLES[target["indicator"]].format(label=target["label"])
    _narrative(result, "title", title)
    indicator = etree.SubElement(result, "indicator", measure="1", ascending="1")
    _narrative(indicator, "title", title)
    etree.SubElement(indicator, "baseline", year=project["start_date"][:4], value="0")
    period = etree.SubElement(indicator, "period")
    period_start, period_end = result_period(project, report)
    etree.SubElement(period, "period-start", **{"iso-date": period_start})
    etree.SubElement(period, "period-end", **{"iso-date": period_end})
    etree.SubElement(period, "target", value=str(target["target"]))
    if target["indicator"] == "activity":  # approved results, withheld where they count few people
        for value, dimensions in iati_actuals(target):
            actual = etree.SubElement(period, "actual", value=value)
            for name, dimension in dimensions:
                etree.SubElement(actual, "dimension", name=name, value=dimension)
        return
    etree.SubElement(period, "actual", value=str(target["achieved"]))
    if target["indicator"] == "individuals_reached" and not (target["kit_type_id"] or target["kit_category"]):
        for name in SADD_FIELDS:
            sex, band = name.split("_", 1)
            actual = etree.SubElement(period, "actual", value=str(reach[name]))
            etree.SubElement(actual, "dimension", name="sex", value="female" if sex == "females" else "male")
            etree.SubElement(actual, "dimension", name="age", value=band.replace("_plus", "+").replace("_", "-"))


# The pipeline's stages that are outputs a donor counts; "in stock" is a state, not a result (XLSX and PDF show it).
PIPELINE_INDICATORS = {
    "procured": "Kits procured: {name}",
    "dispatched": "Kits dispatched to distribution sites: {name}",
}


def _pipeline_result(activity, row: dict, report: dict, project: dict) -> None:
    """An output result per kit type of the pipeline: kits procured (against the kits target) and dispatched."""
    result = etree.SubElement(activity, "result", type="1", **{"aggregation-status": "1"})
    _narrative(result, "title", f"Kit pipeline: {row['name']}")
    period_start, period_end = result_period(project, report)
    for name, title in PIPELINE_INDICATORS.items():
        indicator = etree.SubElement(result, "indicator", measure="1", ascending="1")
        _narrative(indicator, "title", title.format(name=row["name"]))
        period = etree.SubElement(indicator, "period")
        etree.SubElement(period, "period-start", **{"iso-date": period_start})
        etree.SubElement(period, "period-end", **{"iso-date": period_end})
        if row["target"]:
            etree.SubElement(period, "target", value=str(row["target"]))
        etree.SubElement(period, "actual", value=str(row[name]))


def validate(xml: bytes) -> None:
    """Raises lxml.etree.DocumentInvalid naming the first error."""
    schema = etree.XMLSchema(etree.parse(str(schema_path())))
    schema.assertValid(etree.fromstring(xml))
