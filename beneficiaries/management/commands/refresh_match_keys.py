"""Fill the duplicate-matching keys of households written without save() (bulk loads, COPY)."""

from django.core.management.base import BaseCommand

from beneficiaries import matching
from beneficiaries.models import Household

KEY_FIELDS = ["head_name_key", "head_name_skeleton", "phone_key", "id_document_key"]


class Command(BaseCommand):
    help = "Compute match keys for households whose keys are blank (or all, with --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="recompute every household's keys")
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, all: bool, batch: int, **options):
        households = Household.objects.only("head_name", "phone", "id_document_type", "id_document_number")
        if not all:
            households = households.filter(head_name_key="")
        pending, updated = [], 0
        for household in households.iterator(chunk_size=batch):
            household.head_name_key = matching.name_key(household.head_name)
            household.head_name_skeleton = matching.name_skeleton(household.head_name)
            household.phone_key = matching.phone_key(household.phone)
            household.id_document_key = matching.id_document_key(
                household.id_document_type, household.id_document_number
            )
            pending.append(household)
            if len(pending) >= batch:
                Household.objects.bulk_update(pending, KEY_FIELDS)
                updated += len(pending)
                pending = []
        Household.objects.bulk_update(pending, KEY_FIELDS)
        updated += len(pending)
        self.stdout.write(f"{updated} households' match keys refreshed")
