from django.core.management.base import BaseCommand

from distributions.progress.rebuild import rebuild_summaries


class Command(BaseCommand):
    help = "Rebuild the progress summaries (kits per day, households' first receipts) from the receipts."

    def handle(self, *args, **options) -> None:
        counts = rebuild_summaries()
        self.stdout.write(
            f"Progress summary rebuilt: {counts['summary_rows']} summary rows, {counts['reach_rows']} reach rows."
        )
