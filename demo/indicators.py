"""The Mopti project's activity indicators (issue 21), loaded by demo/loader.py after its distributions.

The project's public reporting names latrines, water points, a hygiene awareness campaign and multi-purpose
tents handed to the regional Civil Protection, without figures: the targets and results here are
illustrative. Results go through projects.indicators.services (reported by the officer, approved by the
manager; the tents reported by the manager and approved by the administrator), one left awaiting approval.
Idempotent: each result has a stable client id, and a result already stored is left as it is.
"""

import datetime
import uuid

from accounts.models import Organisation
from demo.data import UUID_NAMESPACE
from projects.indicators.models import RESULT_SADD_FIELDS, ActivityIndicator, IndicatorResult
from projects.indicators.services import report_result, review_result
from projects.models import Target, TargetPeriod
from sites.models import AdminArea, Site

CIVIL_PROTECTION = ("Direction Régionale de la Protection Civile de Mopti", "DRPC Mopti")
INDICATORS = [  # (code, names in English, French, Arabic, unit, disaggregated, target)
    (
        "latrines",
        ("Emergency latrines built", "Latrines d'urgence construites", "مراحيض طوارئ مبنية"),
        ActivityIndicator.Unit.LATRINES,
        False,
        60,
    ),
    (
        "water-points",
        ("Water points rehabilitated", "Points d'eau réhabilités", "نقاط مياه أعيد تأهيلها"),
        ActivityIndicator.Unit.WATER_POINTS,
        False,
        10,
    ),
    (
        "hygiene-awareness",
        (
            "People reached by hygiene and sanitation awareness sessions",
            "Personnes sensibilisées à l'hygiène et à l'assainissement",
            "أشخاص شملتهم جلسات التوعية بالنظافة والصرف الصحي",
        ),
        ActivityIndicator.Unit.PEOPLE,
        True,
        3000,
    ),
    (
        "tents-civil-protection",
        (
            "Multi-purpose tents handed to the Civil Protection",
            "Tentes polyvalentes remises à la Protection civile",
            "خيام متعددة الأغراض سُلِّمت إلى الحماية المدنية",
        ),
        ActivityIndicator.Unit.TENTS,
        False,
        50,
    ),
]
# The latrines target spread over the project's two halves.
LATRINE_PERIODS = [("2024-07-01", "2024-12-31", 30), ("2025-01-01", "2025-06-30", 30)]
# (indicator, date, site code or area P-code, quantity, (girls, boys, women, men) or None, note, approved)
RESULTS = [
    ("latrines", "2024-07-20", "ML-MOP-WAL", 8, None, "Blocks of two, separated by sex, lit at night.", True),
    ("latrines", "2024-07-25", "ML-MOP-TAK", 6, None, "", True),
    ("latrines", "2024-08-05", "ML-MOP-TAK", 4, None, "Second set, next to the water point.", False),
    ("water-points", "2024-07-28", "ML-MOP-WAL", 2, None, "Hand pumps repaired, water tested.", True),
    ("hygiene-awareness", "2024-07-15", "ML-MOP-WAL", 120, (35, 30, 33, 22), "Three sessions.", True),
    ("hygiene-awareness", "2024-07-22", "ML-MOP-SAR", 85, (25, 20, 24, 16), "Two sessions.", True),
    ("tents-civil-protection", "2024-07-30", "ML05", 25, None, "For disaster preparedness.", True),
]


def load_mopti_indicators(loader, project, users) -> None:
    """Indicators, targets and results of the Mopti project; `loader` a DemoLoader (upsert, changes)."""
    name, acronym = CIVIL_PROTECTION
    civil_protection = loader.upsert(
        Organisation, {"name": name}, {"acronym": acronym, "kind": Organisation.Kind.GOVERNMENT, "iati_identifier": ""}
    )
    indicators = {}
    for code, (english, french, arabic), unit, disaggregated, target_value in INDICATORS:
        indicators[code] = indicator = loader.upsert(
            ActivityIndicator,
            {"project": project, "code": code},
            {"name": english, "name_fr": french, "name_ar": arabic, "unit": unit, "disaggregated": disaggregated},
        )
        target = loader.upsert(
            Target,
            {"project": project, "indicator": Target.Indicator.ACTIVITY, "activity_indicator": indicator},
            {"target_value": target_value},
        )
        if code == "latrines":
            for start, end, value in LATRINE_PERIODS:
                loader.upsert(
                    TargetPeriod,
                    {"target": target, "period_start": datetime.date.fromisoformat(start)},
                    {"period_end": datetime.date.fromisoformat(end), "target_value": value},
                )
    for code, day, place, quantity, groups, note, approved in RESULTS:
        site = Site.objects.filter(code=place).first()
        by_manager = site is None  # a whole area: a manager's report, approved by the administrator
        reporter = users["manager"] if by_manager else users["officer"]
        fields = dict(zip(RESULT_SADD_FIELDS, groups, strict=True)) if groups else {}
        result = report_result(
            reported_by=reporter,
            indicator=indicators[code],
            client_uuid=uuid.uuid5(UUID_NAMESPACE, f"result/{code}/{day}/{place}"),
            date=datetime.date.fromisoformat(day),
            site=site,
            admin_area=None if site else AdminArea.objects.get(pcode=place),
            quantity=quantity,
            note=note,
            handover_to=civil_protection if code == "tents-civil-protection" else None,
            **fields,
        )
        if result.submitted_at >= loader.started_at:
            loader.changes += 1
        if approved and result.status == IndicatorResult.Status.SUBMITTED:
            review_result(result, reviewed_by=users["admin"] if by_manager else users["manager"], approve=True)
            loader.changes += 1
