"""The scope rules of the progress figures, written once.

A household is reached once per scope: within the project, a kit type, a kit category, an admin 1
or admin 2 area, a site, or a kit category within an area or site (`REACH_SCOPES`,
distributions/models.py). Within each scope value it is
anchored at its first receipt (`FIRST_RECEIPT_ORDER`: received_at, then the receipt id), and counted
on that receipt's day, place and displacement status with the sex-and-age counts and vulnerability
frozen on the receipt (`FIGURE_FIELDS`). So regions add up to the total, periods to the cumulative
figure, and a household given two kits counts once.

`reach_contribution` is what one household adds to `ReachSummary`; the maintained path
(maintain.py) moves a household from its old contribution to its new one, the rebuild (rebuild.py)
writes the same rule as a window over all households.
"""

from collections import Counter, defaultdict

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS
from distributions.models import REACH_FIGURES, REACH_SCOPES, ReachSummary

# --- which receipt is first: the one rule, in the three forms its callers need ----------------------
#
# Receipts are ordered by RECEIPT_ORDER; a household's reach rows (each the first receipt of a kit type)
# by FIRST_RECEIPT_ORDER, the same two columns as stored on the row. `earliest` takes the first of one
# household's rows in Python (the maintained path); `rank_of_reach_row` numbers reach rows in SQL (rank 1 is
# the first) for the rebuild and the queries; the rebuild numbers receipts by RECEIPT_ORDER in its SQL.

RECEIPT_ORDER = ("received_at", "pk")

# Which receipt of a household is its first (within a kit type, and within every scope): the
# earliest received_at, ties broken by the receipt's id. Reach rows carry the receipt's
# (received_at, first_receipt_id); every writer and reader orders by these columns.
FIRST_RECEIPT_ORDER = ("received_at", "first_receipt_id")


def first_receipt_key(row) -> tuple:
    """The sort key of a reach row (a dict or a HouseholdReach) in FIRST_RECEIPT_ORDER."""
    if isinstance(row, dict):
        return tuple(row[name] for name in FIRST_RECEIPT_ORDER)
    return tuple(getattr(row, name) for name in FIRST_RECEIPT_ORDER)


def receipt_key(receipt) -> tuple:
    """A receipt's sort key in RECEIPT_ORDER, comparable with `first_receipt_key` of a reach row."""
    return tuple(getattr(receipt, name) for name in RECEIPT_ORDER)


def earliest(rows: list):
    """The first of a household's reach rows (dicts or HouseholdReach) in FIRST_RECEIPT_ORDER."""
    return min(rows, key=first_receipt_key)


def rank_of_reach_row(*partition: str) -> Window:
    """ROW_NUMBER of a reach row among its household's rows sharing `partition` (columns), first = 1.

    The household comes first in the partition: windows of several scopes over the same rows then share
    that sort, and PostgreSQL only sorts within each household for the next (rebuild.py's ranks)."""
    return Window(
        RowNumber(),
        partition_by=[F(name) for name in ("household_id", *partition)],
        order_by=list(FIRST_RECEIPT_ORDER),
    )


FIGURE_FIELDS = ("household_size", "displacement_status", *SADD_FIELDS, *VULNERABILITY_FIELDS)

REACH_SUM_FIELDS = REACH_FIGURES  # the summed columns of ReachSummary
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


def keeps_kit_category(scope: str) -> bool:
    """Whether a scope's ReachSummary rows carry the kit category (else ""): the kit type's and the category's."""
    return scope == ReachSummary.Scope.KIT_TYPE or "kit_category" in REACH_SCOPES[scope]


def reach_summary_key(project_id: int, scope: str, row: dict) -> tuple:
    return (
        ("day", timezone.localdate(row["received_at"])),
        ("project_id", project_id),
        ("scope", scope),
        ("kit_type_id", row["kit_type_id"] if scope == ReachSummary.Scope.KIT_TYPE else None),
        ("kit_category", row["kit_category"] if keeps_kit_category(scope) else ""),
        ("site_id", row["site_id"]),
        ("admin1_id", row["admin1_id"]),
        ("admin2_id", row["admin2_id"]),
        ("displacement_status", row["displacement_status"]),
    )


def reach_contribution(project_id: int, rows: list[dict]) -> dict[tuple, Counter]:
    """What one household adds to ReachSummary: per scope, its first row within each scope value."""
    contribution: dict[tuple, Counter] = defaultdict(Counter)
    for scope, columns in REACH_SCOPES.items():
        within: dict = defaultdict(list)
        for row in rows:
            within[tuple(row[column] for column in columns)].append(row)
        for row in map(earliest, within.values()):
            figures = contribution[reach_summary_key(project_id, scope, row)]
            figures["households"] += 1
            figures["individuals"] += row["household_size"]
            for name in SADD_FIELDS:
                figures[name] += row[name]
            for name in VULNERABILITY_FIELDS:
                figures[name] += int(row[name])
    return contribution
