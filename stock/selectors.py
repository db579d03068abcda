"""Reads of stock figures: from the maintained tables only (stock/models.py), aggregated in SQL.

Who may see which warehouse or movement is accounts/selectors.py's; these functions take ids already scoped.
"""

from django.db.models import Sum

from stock.models import DistributionStock, MovementKind, StockBalance, StockMovement, VarianceExplanation

PROJECT_STOCK_FIGURES = ("received", "dispatched", "returned", "written_off", "issued", "adjusted", "on_hand")
SITE_FIGURES = ("dispatched", "received_at_site", "returned", "damaged", "lost")


def stock_on_hand(warehouse_ids=None, project_ids=None) -> list[dict]:
    """Stock on hand per warehouse and kit type (summed over projects unless `project_ids` narrows them):
    rows {warehouse_id, kit_type_id, on_hand} in kits, sorted by warehouse then kit type; one GROUP BY on
    `StockBalance` (bench/stock_bench.py)."""
    rows = StockBalance.objects.all()
    if warehouse_ids is not None:
        rows = rows.filter(warehouse_id__in=warehouse_ids)
    if project_ids is not None:
        rows = rows.filter(project_id__in=project_ids)
    return list(
        rows.values("warehouse_id", "kit_type_id")
        .annotate(on_hand=Sum("on_hand"))
        .order_by("warehouse_id", "kit_type_id")
    )


def project_stock(project_id: int) -> dict[int, dict]:
    """A project's stock per kit type, over all warehouses and its distributions' sites:
    {kit_type_id: {received, dispatched, returned, written_off, issued, adjusted, on_hand,
    damaged_at_sites, lost_at_sites}} in kits. Two GROUP BY queries."""
    figures: dict[int, dict] = {}
    for row in (
        StockBalance.objects.filter(project_id=project_id)
        .values("kit_type_id")
        .annotate(**{name: Sum(name) for name in PROJECT_STOCK_FIGURES})
    ):
        figures[row["kit_type_id"]] = {name: row[name] for name in PROJECT_STOCK_FIGURES}
    for row in (
        DistributionStock.objects.filter(distribution__project_id=project_id)
        .values("kit_type_id")
        .annotate(damaged_at_sites=Sum("damaged"), lost_at_sites=Sum("lost"))
    ):
        entry = figures.setdefault(row["kit_type_id"], dict.fromkeys(PROJECT_STOCK_FIGURES, 0))
        entry["damaged_at_sites"], entry["lost_at_sites"] = row["damaged_at_sites"], row["lost_at_sites"]
    for entry in figures.values():
        entry.setdefault("damaged_at_sites", 0)
        entry.setdefault("lost_at_sites", 0)
    return figures


def distribution_stock(distribution_id: int) -> dict[int, dict]:
    """What was sent to one distribution and came back, per kit type: {kit_type_id: {dispatched,
    received_at_site, returned, damaged, lost}} in kits; empty when no kits were dispatched to it."""
    return {
        row["kit_type_id"]: {name: row[name] for name in SITE_FIGURES}
        for row in DistributionStock.objects.filter(distribution_id=distribution_id).values(
            "kit_type_id", *SITE_FIGURES
        )
    }


def explanations(distribution_id: int) -> dict[int, object]:
    """The variance explanations of a distribution, by kit type id (stock.models.VarianceExplanation)."""
    return {
        note.kit_type_id: note
        for note in VarianceExplanation.objects.filter(distribution_id=distribution_id).select_related("explained_by")
    }


def dispatch_warehouse(distribution_id: int, kit_type_id: int):
    """The warehouse the latest dispatch of `kit_type_id` to the distribution came from (a site's returns and
    write-offs are booked against it), or None when none was dispatched there."""
    movement = (
        StockMovement.objects.filter(
            distribution_id=distribution_id, kit_type_id=kit_type_id, kind=MovementKind.DISPATCHED
        )
        .select_related("warehouse")
        .order_by("-occurred_on", "-id")
        .first()
    )
    return movement.warehouse if movement else None
