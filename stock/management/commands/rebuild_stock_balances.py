from django.core.management.base import BaseCommand

from stock.rebuild import rebuild_balances


class Command(BaseCommand):
    help = "Recompute the stock balances (warehouses and distributions' sites) from the movements."

    def handle(self, *args, **options):
        rebuild_balances()
        self.stdout.write("Stock balances rebuilt.")
