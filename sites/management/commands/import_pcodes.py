from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sites.services import import_pcodes


class Command(BaseCommand):
    help = "Import administrative areas from OCHA's global P-codes CSV (HDX). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=settings.SHARED_DATA_DIR / "pcodes" / "global-pcodes-adm-1-2.csv",
            help="Path to global-pcodes-adm-1-2.csv (default: the shared data folder beside the project)",
        )
        parser.add_argument(
            "--country",
            action="append",
            dest="countries",
            help="ISO3 country code to import (repeatable); default: every country",
        )

    def handle(self, *args, file: Path, countries, **options):
        if not file.exists():
            raise CommandError(f"No P-codes file at {file}")
        result = import_pcodes(file, countries)
        self.stdout.write(
            self.style.SUCCESS(
                f"P-codes: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
            )
        )
