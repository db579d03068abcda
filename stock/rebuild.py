"""The balances recomputed from the movements alone: `manage.py rebuild_stock_balances` (after a bulk load) and
the test that holds the maintained tables (stock/services.py) equal to it."""

from django.db import connection, transaction

from stock.models import DistributionStock, StockBalance

# One INSERT … SELECT per table; the counters are the sums of stock/services.py's BALANCE_COUNTER and
# SITE_COUNTER, and on_hand the movement's warehouse change (StockMovement.warehouse_change).
BALANCES_SQL = """
INSERT INTO stock_stockbalance
    (warehouse_id, project_id, kit_type_id, received, dispatched, returned, written_off, issued, adjusted, on_hand)
SELECT warehouse_id, project_id, kit_type_id,
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'received'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'dispatched'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'returned'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind IN ('damaged', 'lost') AND distribution_id IS NULL), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'issued'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'adjusted'), 0),
    COALESCE(SUM(CASE
        WHEN kind IN ('received', 'returned', 'adjusted') THEN quantity
        WHEN kind IN ('dispatched', 'issued') THEN -quantity
        WHEN kind IN ('damaged', 'lost') AND distribution_id IS NULL THEN -quantity
        ELSE 0 END), 0)
FROM stock_stockmovement
WHERE kind <> 'received_at_site' AND NOT (kind IN ('damaged', 'lost') AND distribution_id IS NOT NULL)
GROUP BY warehouse_id, project_id, kit_type_id
"""
SITES_SQL = """
INSERT INTO stock_distributionstock
    (distribution_id, kit_type_id, dispatched, received_at_site, returned, damaged, lost)
SELECT distribution_id, kit_type_id,
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'dispatched'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'received_at_site'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'returned'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'damaged'), 0),
    COALESCE(SUM(quantity) FILTER (WHERE kind = 'lost'), 0)
FROM stock_stockmovement
WHERE distribution_id IS NOT NULL
GROUP BY distribution_id, kit_type_id
"""


@transaction.atomic
def rebuild_balances() -> None:
    """Replace both balance tables by their recomputation (locks them meanwhile: movements wait)."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE stock_stockmovement IN SHARE MODE")
        StockBalance.objects.all().delete()
        DistributionStock.objects.all().delete()
        cursor.execute(BALANCES_SQL)
        cursor.execute(SITES_SQL)
