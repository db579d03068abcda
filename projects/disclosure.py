"""Disclosure: the one step between the figures and each audience (what leaves the server).

Who may see what is decided in accounts/selectors.py; this module applies it to outputs:

* Row-level data (households, receipts, import jobs): only for roles that may list rows
  (`can_see_rows`: not donor viewers, who were promised aggregated figures only). A partner system
  without the personal-data grant gets pseudonymous rows, without free text or staff names
  (`can_see_personal_data`).
* Aggregated figures: exact for roles that may see personal data (`can_see_exact_figures`); for the
  others, a group of fewer than settings.SMALL_COUNT_THRESHOLD households has its counts withheld,
  and its complement where a published total would give it back by subtraction
  (beneficiaries/pseudonyms.py, `withheld_rows`). The same rule serves the dashboard page and its
  charts (`disclosed_progress`), the progress API (the same function), the 3W export
  (api/exports.py, `withheld_export_rows`) and every donor report format (`regions_withheld`,
  `sites_withheld`).

A withheld number is None in data (JSON null) and the marker `<5` (`suppressed_marker`) on a page
or in a file.
"""

import copy
import dataclasses
from collections.abc import Callable, Hashable, Sequence

from accounts.selectors import can_see_personal_data, can_see_rows
from beneficiaries.models import VULNERABILITY_FIELDS
from beneficiaries.pseudonyms import is_small_count, suppressed_marker, withheld_rows
from distributions.progress.filters import ProgressFilter
from distributions.progress.queries import reach_by

__all__ = [
    "attendance_figures",
    "can_see_exact_figures",
    "can_see_personal_data",
    "can_see_rows",
    "counts_few_people",
    "disclosed_headline",
    "disclosed_pipeline",
    "disclosed_progress",
    "is_small_count",
    "reach_figure",
    "regions_withheld",
    "report_formats",
    "shown_running_totals",
    "sites_withheld",
    "staff_name",
    "suppressed_marker",
    "withheld_export_rows",
    "withheld_rows",
]


def can_see_exact_figures(user) -> bool:
    """Exact small counts go to the roles that may see personal data; the others get them withheld."""
    return can_see_personal_data(user)


def staff_name(staff, user) -> str:
    """The name of the staff member who recorded or changed something, or "" for roles without personal data."""
    if staff is None or not can_see_personal_data(user):
        return ""
    return staff.get_full_name() or staff.get_username()


# --- donor reports and the 3W export ----------------------------------------------------------------


def report_formats(outputs, user) -> list[str]:
    """The formats of a built report (`outputs`: {format: path}, or names) the user may download.

    The JSON output is the report's frozen figures, exact (projects/reports/figures.py); the formats drawn
    from them for donors (PDF, XLSX, HXL CSV, IATI XML) withhold small counts. So the JSON goes only to
    roles that see exact figures.
    """
    return [fmt for fmt in outputs if fmt != "json" or can_see_exact_figures(user)]


def regions_withheld(period: dict) -> list[bool]:
    """Regions whose counts are withheld; the project's total is published, so they are one group."""
    return withheld_rows(period["by_region"], group=lambda row: None)


def sites_withheld(period: dict) -> list[bool]:
    """Sites whose counts are withheld; each region's total is published, so a region's sites are a group."""
    return withheld_rows(period["by_site"], group=lambda row: row["admin1__name"])


def reach_figure(reach: dict, name: str):
    """A donor report's reach figure (period or to date): the marker when the reach counts fewer households
    than the threshold, or when the figure itself is a small household count (a vulnerability)."""
    if is_small_count(reach["households"]) or (name in VULNERABILITY_FIELDS and is_small_count(reach[name])):
        return suppressed_marker()
    return reach[name]


def attendance_figures(row: dict) -> dict:
    """A list's served and absent households in a donor report (projects/reports/figures.py "lists"): each
    withheld (the marker) when either is a small count, since the list's size is published and one gives the
    other away; the absent by vulnerability withheld one by one."""
    small = is_small_count(row["served"]) or is_small_count(row["absent"])
    shown = {name: suppressed_marker() if small else row[name] for name in ("served", "absent")}
    by_flag = row.get("absent_by_vulnerability", {})
    shown["absent_by_vulnerability"] = {
        flag: suppressed_marker() if small or is_small_count(count) else count for flag, count in by_flag.items()
    }
    return {**row, **shown}


def withheld_export_rows(
    user, rows: Sequence[dict], group: Callable[[dict], Hashable], households: str, numbers: Sequence[str]
) -> list[bool]:
    """For the user, which of a group of export rows are withheld; their `numbers` are set to None in place."""
    if can_see_exact_figures(user):
        return [False] * len(rows)
    withheld = withheld_rows(rows, group=group, households=households)
    for row, small in zip(rows, withheld, strict=True):
        if small:
            row.update(dict.fromkeys(numbers))
    return withheld


# --- the dashboard and the progress API --------------------------------------------------------------


def _withhold_places(rows: list[dict], group: Callable[[dict], Hashable]) -> None:
    for row, small in zip(rows, withheld_rows(rows, group=group), strict=True):
        row["withheld"] = small
        if small:
            row.update(households=None, individuals=None, kits=None)
            row["kits_by_type"] = dict.fromkeys(row["kits_by_type"])


def shown_running_totals(rows: list[dict], *names: str) -> list[dict]:
    """A copy of a timeline (rows with `bucket`, each name and `cumulative_<name>`) with the running totals
    a roles-without-personal-data output may show: see _withhold_running_totals. For donor reports."""
    rows = copy.deepcopy(rows)
    _withhold_running_totals(rows, *names)
    return rows


def _withhold_running_totals(rows: list[dict], *names: str) -> None:
    """A running total is shown only where it grew by none or by at least the threshold since the last
    point shown; each step shown is the difference of two shown totals, so nothing withheld comes back
    by subtraction. The last total is published beside the timeline (the reach figure), so a withheld
    end must grow by the threshold too: points shown are hidden from the end until it does.
    `names[0]` counts households and decides for every name."""
    households = f"cumulative_{names[0]}"
    shown = 0
    for row in rows:
        grown = row[households] - shown
        row["withheld"] = is_small_count(grown)
        if not row["withheld"]:
            shown = row[households]
    final = rows[-1][households] if rows else 0
    points = [row for row in rows if not row["withheld"]]
    while points and is_small_count(final - points[-1][households]):
        points.pop()["withheld"] = True
    for row in rows:
        if row["withheld"]:
            for name in names:
                row[name] = None
                row[f"cumulative_{name}"] = None
    # The steps shown are the differences of the totals shown (a withheld step is folded into the next).
    last = dict.fromkeys(names, 0)
    for row in rows:
        if row["withheld"]:
            continue
        for name in names:
            row[name] = row[f"cumulative_{name}"] - last[name]
            last[name] = row[f"cumulative_{name}"]


def disclosed_headline(headline: dict[int, dict], user) -> dict[int, dict]:
    """The project list's headline (projects.targets.headline_progress: {project id: {kits, kits_target,
    households, individuals, percent}}) as the user may see it, a copy.

    Each project's total is published on its own, so a project that reached fewer than
    SMALL_COUNT_THRESHOLD households has its counts withheld (None) as its dashboard withholds them
    (`disclosed_progress`, "everything"): households, individuals and kits achieved, and the percentage.
    """
    if can_see_exact_figures(user):
        return headline
    shown = copy.deepcopy(headline)
    for values in shown.values():
        if is_small_count(values["households"]):
            values.update(households=None, individuals=None, kits=None, percent=None)
        for activity in values.get("activities", ()):
            if counts_few_people(activity["unit"], activity["achieved"]):
                activity["achieved"] = None
    return shown


def counts_few_people(unit: str, count) -> bool:
    """An activity figure counting people (issue 21: session participants) is withheld below the threshold, as
    a household count is; latrines, water points, sessions, tents and kits handed over count no one."""
    return unit == "people" and is_small_count(count)


def _withhold_activity(target) -> None:
    """An activity target's figures for roles without exact ones: the achieved number when it counts few
    people, and its sex-and-age groups when one of them counts few (a group would single people out)."""
    if counts_few_people(target.unit, target.achieved):
        target.achieved = target.percent = target.on_track = None
        target.sadd = dict.fromkeys(target.sadd) if target.sadd else target.sadd
    elif target.sadd and any(is_small_count(count) for count in target.sadd.values()):
        target.sadd = dict.fromkeys(target.sadd)


def disclosed_progress(progress, user):
    """The project's figures as the user may see them (projects.progress.ProjectProgress, a copy).

    Exact for roles that may see personal data. For the others (donor viewers, partner systems without
    the grant): when the whole selection reaches fewer than SMALL_COUNT_THRESHOLD households, every count
    is withheld (reach, sex and age, kits, targets achieved); otherwise each region, area, site and
    displacement status below the threshold, with its complement, each vulnerability count below it,
    the targets achieved in a withheld area, running totals that grew by a small count, and activity
    figures counting few people (`counts_few_people`, their sex-and-age groups with them).
    """
    if can_see_exact_figures(user):
        return progress
    progress = copy.deepcopy(progress)
    reach = progress.reach
    everything = is_small_count(reach.get("households"))
    if everything:
        progress.reach = dict.fromkeys(reach)
        for row in progress.kits_by_type:
            row["kits"] = None
        for row in progress.kits_over_time:
            row.update(kits=None, cumulative_kits=None, withheld=True)
    else:
        for name in VULNERABILITY_FIELDS:
            if is_small_count(reach.get(name)):
                reach[name] = None
    _withhold_places(progress.by_region, group=lambda row: None)
    _withhold_places(progress.by_area, group=lambda row: row["admin1__name"])
    _withhold_places(progress.by_site, group=lambda row: (row["admin1__name"], row["admin2__name"]))
    for row, small in zip(
        progress.reach_by_displacement,
        withheld_rows(progress.reach_by_displacement, group=lambda row: None),
        strict=True,
    ):
        row["withheld"] = small
        if small:
            row.update({name: None for name in row if name not in ("displacement_status", "withheld")})
    _withhold_running_totals(progress.reach_over_time, "households", "individuals")
    withheld_areas = {row.get("admin1_id") for row in progress.by_region if row["withheld"]} | {
        row.get("admin2_id") for row in progress.by_area if row["withheld"]
    }
    for target in progress.targets:
        if everything or (target.admin_area_id is not None and target.admin_area_id in withheld_areas):
            target.achieved = None
            target.percent = None
            target.on_track = None
            target.sadd = dict.fromkeys(target.sadd) if target.sadd else target.sadd
        elif target.activity_indicator_id:
            _withhold_activity(target)
    return progress


def disclosed_pipeline(rows: list, project_id: int, user) -> list:
    """The project's kit pipeline (projects.pipeline.PipelineRow rows, kits) as the user may see it, a copy.

    Kits handed out are receipts, so they count households: for the others than exact-figure roles they are
    withheld (None) when the project reached fewer than SMALL_COUNT_THRESHOLD households, as its headline and
    dashboard withhold its kits achieved (`disclosed_headline`). Warehouse figures count no one. One query.
    """
    if not rows or can_see_exact_figures(user):
        return rows
    reach = reach_by([project_id], ProgressFilter(), "project_id")
    if not is_small_count(reach[0]["households"] if reach else 0):
        return rows
    return [dataclasses.replace(row, handed_out=None) for row in rows]
