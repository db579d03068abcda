"""The statements recording a receipt runs for every receipt (distributions/services.py), built once per process
from the models (config/rows.py): the ORM compiled them again for each receipt, about 0.9 ms of Python apiece."""

from functools import cache

import config.rows as rows
from beneficiaries.models import Household
from distributions.models import Receipt
from sites.models import AdminArea, Site


@cache
def _stored_receipts_sql() -> str:
    """stored_receipts' statement; parameters: the client UUID, the distribution, household and
    kit type ids."""
    uuid_, distribution, household, kit_type, voided_at = (
        rows.column(Receipt, name) for name in ("client_uuid", "distribution", "household", "kit_type", "voided_at")
    )
    return (
        f"SELECT {rows.columns(Receipt, 'r')} FROM {rows.table(Receipt)} r WHERE r.{uuid_} = %s "  # noqa: S608
        f"OR (r.{distribution} = %s AND r.{household} = %s AND r.{kit_type} = %s AND r.{voided_at} IS NULL)"
    )


@cache
def _locked_households_sql() -> str:
    """locked_households' statement; parameter: the households' ids, a list."""
    area_id, household_id = rows.quote(AdminArea._meta.pk.column), rows.quote(Household._meta.pk.column)
    return (
        f"SELECT {rows.columns(Household, 'h')}, {rows.columns(Site, 's')}, "  # noqa: S608
        f"{rows.columns(AdminArea, 'a1')}, {rows.columns(AdminArea, 'a2')} FROM {rows.table(Household)} h "
        f"JOIN {rows.table(Site)} s ON s.{rows.quote(Site._meta.pk.column)} = h.{rows.column(Household, 'site')} "
        f"LEFT JOIN {rows.table(AdminArea)} a1 ON a1.{area_id} = s.{rows.column(Site, 'admin1')} "
        f"LEFT JOIN {rows.table(AdminArea)} a2 ON a2.{area_id} = s.{rows.column(Site, 'admin2')} "
        f"WHERE h.{household_id} = ANY(%s::bigint[]) ORDER BY h.{household_id} FOR UPDATE OF h"
    )


def stored_receipts(client_uuid, distribution_id: int, household_id: int, kit_type_id: int) -> list[Receipt]:
    """The receipt of this client UUID and the active receipts of this distribution, household and kit type."""
    with rows.prepared_cursor() as cursor:
        cursor.execute(_stored_receipts_sql(), [client_uuid, distribution_id, household_id, kit_type_id])
        return [rows.instance(Receipt, row) for row in cursor.fetchall()]


def locked_households(ids) -> dict[int, Household]:
    """The households of these ids locked FOR UPDATE (their rows only, in id order: two batches cannot deadlock on
    them), by id, each with its site and the site's areas: a receipt carries them, and the answer to the partner
    names them (api.selectors.recorded_receipt_rows then reads nothing). Call inside a transaction."""
    locked = {}
    with rows.prepared_cursor() as cursor:
        cursor.execute(_locked_households_sql(), [sorted(ids)])
        for row in cursor.fetchall():
            household, site, admin1, admin2 = rows.instances(row, Household, Site, AdminArea, AdminArea)
            rows.attach(site, "admin1", admin1)
            rows.attach(site, "admin2", admin2)
            rows.attach(household, "site", site)
            locked[household.pk] = household
    return locked
