"""Fill the duplicate-matching keys of households written without save() (bulk loads, COPY).

The keys go through COPY into a temporary table and one UPDATE … FROM per chunk (a million
households in about a minute), then the table is analysed.
Migration 0003 fills the keys of existing households with `refresh_keys` too.
"""

import functools

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from beneficiaries import matching
from beneficiaries.models import Household


@functools.lru_cache(maxsize=100_000)
def _name_keys(name: str) -> tuple[str, str]:
    return matching.name_key(name), matching.name_skeleton(name)


def _keys(row: tuple) -> tuple:
    pk, name, phone, document_type, document_number = row
    return (pk, *_name_keys(name), matching.phone_key(phone), matching.id_document_key(document_type, document_number))


def refresh_keys(model=Household, *, everyone: bool = False, chunk: int = 50_000) -> int:
    """Compute the keys of `model`'s rows whose keys are blank (all with `everyone`); the number refreshed."""
    households = model.objects.order_by()
    if not everyone:
        households = households.filter(head_name_key="")
    rows = households.values_list("pk", "head_name", "phone", "id_document_type", "id_document_number")
    pending, updated = [], 0
    for row in rows.iterator(chunk_size=chunk):
        pending.append(_keys(row))
        if len(pending) >= chunk:
            _copy_chunk(model, pending)
            updated += len(pending)
            pending = []
    if pending:
        _copy_chunk(model, pending)
        updated += len(pending)
    if updated:
        # Statistics taken while the keys were blank mislead the planner on the duplicate look-ups.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE beneficiaries_household")
    return updated


@transaction.atomic
def _copy_chunk(_model, keys: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS match_keys (id bigint, name_key text, skeleton text, phone text, "
            "document text) ON COMMIT DELETE ROWS"
        )
        with cursor.copy("COPY match_keys FROM STDIN") as copy:
            for row in keys:
                copy.write_row(row)
        cursor.execute(
            "UPDATE beneficiaries_household h SET head_name_key = k.name_key, head_name_skeleton = k.skeleton, "
            "phone_key = k.phone, id_document_key = k.document FROM match_keys k WHERE h.id = k.id"
        )


class Command(BaseCommand):
    help = "Compute match keys for households whose keys are blank (or all, with --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="recompute every household's keys")
        parser.add_argument("--chunk", type=int, default=50_000)

    def handle(self, *args, all: bool, chunk: int, **options):
        updated = refresh_keys(everyone=all, chunk=chunk)
        self.stdout.write(f"{updated:,} households' match keys refreshed")
