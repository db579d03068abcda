"""Fill the duplicate-matching keys of households written without save() (bulk loads, COPY).

On PostgreSQL the keys go through COPY into a temporary table and one UPDATE … FROM per chunk
(a million households in about a minute), then the table is analysed; elsewhere through bulk_update.
Migration 0003 fills the keys of existing households with `refresh_keys` too.
"""

import functools

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from beneficiaries import matching
from beneficiaries.models import Household

KEY_FIELDS = ["head_name_key", "head_name_skeleton", "phone_key", "id_document_key"]


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
    write = _copy_chunk if connection.vendor == "postgresql" else _bulk_update_chunk
    pending, updated = [], 0
    for row in rows.iterator(chunk_size=chunk):
        pending.append(_keys(row))
        if len(pending) >= chunk:
            write(model, pending)
            updated += len(pending)
            pending = []
    if pending:
        write(model, pending)
        updated += len(pending)
    if connection.vendor == "postgresql" and updated:
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


def _bulk_update_chunk(model, keys: list[tuple]) -> None:
    households = [
        model(pk=pk, head_name_key=name, head_name_skeleton=skeleton, phone_key=phone, id_document_key=document)
        for pk, name, skeleton, phone, document in keys
    ]
    model.objects.bulk_update(households, KEY_FIELDS, batch_size=1000)


class Command(BaseCommand):
    help = "Compute match keys for households whose keys are blank (or all, with --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="recompute every household's keys")
        parser.add_argument("--chunk", type=int, default=50_000)

    def handle(self, *args, all: bool, chunk: int, **options):
        updated = refresh_keys(everyone=all, chunk=chunk)
        self.stdout.write(f"{updated:,} households' match keys refreshed")
