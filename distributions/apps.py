from django.apps import AppConfig


class DistributionsConfig(AppConfig):
    name = "distributions"

    def ready(self) -> None:
        # A merge of two households (beneficiaries) moves their receipts here: beneficiaries cannot import us.
        from beneficiaries.signals import household_merging
        from distributions.merges import move_receipts_of_merged_household

        household_merging.connect(move_receipts_of_merged_household, dispatch_uid="distributions-merge-receipts")
