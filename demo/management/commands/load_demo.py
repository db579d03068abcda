import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.loader import DEMO_PASSWORD, load_demo

DEMO_ACCOUNTS = (
    "admin (administrator)",
    "manager (programme manager, both projects)",
    "officer (field officer, Mopti sites)",
    "officer.iraq (field officer, Duhok camps)",
    "donor (donor viewer, Government of Japan)",
    "partner (partner system, no personal data)",
    "storekeeper (storekeeper, IOM warehouse in Mopti)",
)


class Command(BaseCommand):
    help = "Load the demo operations (Mopti, Mali and a winterisation operation in Iraq). Safe to run again."

    def handle(self, *args, **options):
        # The demo accounts share a published password: a production database gets them only when asked.
        if settings.PRODUCTION and os.environ.get("LOAD_DEMO") != "1":
            raise CommandError("Refusing to load the demo (published passwords) in production: set LOAD_DEMO=1 to.")
        changes = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {changes} rows created or changed."))
        self.stdout.write(f"Demo accounts, password {DEMO_PASSWORD!r} for all:")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account}")
