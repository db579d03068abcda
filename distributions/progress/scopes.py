"""The scope rules of the progress figures, written once.

A household is reached once per scope: within the project, a kit type, a kit category, an admin 1
or admin 2 area, or a site (`REACH_SCOPES`, distributions/models.py). Within each scope value it is
anchored at its first receipt (`FIRST_RECEIPT_ORDER`: received_at, then the receipt id), and counted
on that receipt's day, place and displacement status with the sex-and-age counts and vulnerability
frozen on the receipt (`FIGURE_FIELDS`). So regions add up to the total, periods to the cumulative
figure, and a household given two kits counts once.

`reach_contribution` is what one household adds to `ReachSummary`; the maintained path
(maintain.py) moves a household from its old contribution to its new one, the rebuild (rebuild.py)
writes the same rule as a window over all households.
"""

from collections import Counter, defaultdict

from django.utils import timezone

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS
from distributions.models import REACH_FIGURES, REACH_SCOPES, ReachSummary, first_receipt_key

FIGURE_FIELDS = ("household_size", "displacement_status", *SADD_FIELDS, *VULNERABILITY_FIELDS)

REACH_SUM_FIELDS = REACH_FIGURES  # the summed columns of ReachSummary
REACH_ROW_FIELDS = (
    "received_at",
    "first_receipt_id",
    "kit_type_id",
    "kit_category",
    "site_id",
    "admin1_id",
    "admin2_id",
    *FIGURE_FIELDS,
)

REACH_COLUMNS = (
    "project_id",
    "household_id",
    "kit_type_id",
    "kit_category",
    "first_receipt_id",
    "received_at",
    "distribution_id",
    "site_id",
    "admin1_id",
    "admin2_id",
    *FIGURE_FIELDS,
)


def reach_summary_key(project_id: int, scope: str, row: dict) -> tuple:
    return (
        ("day", timezone.localdate(row["received_at"])),
        ("project_id", project_id),
        ("scope", scope),
        ("kit_type_id", row["kit_type_id"] if scope == ReachSummary.Scope.KIT_TYPE else None),
        ("kit_category", row["kit_category"] if scope in (ReachSummary.Scope.KIT_TYPE, "category") else ""),
        ("site_id", row["site_id"]),
        ("admin1_id", row["admin1_id"]),
        ("admin2_id", row["admin2_id"]),
        ("displacement_status", row["displacement_status"]),
    )


def reach_contribution(project_id: int, rows: list[dict]) -> dict[tuple, Counter]:
    """What one household adds to ReachSummary: per scope, its first row within each scope value."""
    contribution: dict[tuple, Counter] = defaultdict(Counter)
    for scope, column in REACH_SCOPES.items():
        firsts: dict = {}
        for row in rows:
            scope_value = row[column] if column else None
            order = first_receipt_key(row)
            if scope_value not in firsts or order < firsts[scope_value][0]:
                firsts[scope_value] = (order, row)
        for _order, row in firsts.values():
            figures = contribution[reach_summary_key(project_id, scope, row)]
            figures["households"] += 1
            figures["individuals"] += row["household_size"]
            for name in SADD_FIELDS:
                figures[name] += row[name]
            for name in VULNERABILITY_FIELDS:
                figures[name] += int(row[name])
    return contribution
