"""Anonymise households past their retention; with --dry-run, show how many would be (counts, no names)."""

import datetime

from django.core.management.base import BaseCommand

from projects.retention import anonymise_households, retention_plan


class Command(BaseCommand):
    help = "Remove the personal data of households past retention (names, phones, ID numbers); figures stay."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be anonymised, change nothing.")
        parser.add_argument(
            "--as-of", type=datetime.date.fromisoformat, default=None, help="Judge retention on this day (YYYY-MM-DD)."
        )

    def handle(self, *args, dry_run: bool, as_of: datetime.date | None, **options):
        plan = retention_plan(as_of)
        for code, households in plan.by_project.items():
            self.stdout.write(f"{code}: {households} households past retention")
        self.stdout.write(f"never received anything, registered long ago: {plan.never_served} households")
        if dry_run:
            self.stdout.write(f"Dry run: {plan.total} households would be anonymised; nothing was changed.")
            return
        done = anonymise_households(today=as_of)  # recorded in the audit trail as a `command`
        self.stdout.write(self.style.SUCCESS(f"{done} households anonymised."))
