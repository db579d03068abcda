"""How often the duplicate check would stop a registration of households known to be distinct.

Every active household is checked against all the others, as if it were registered again today
(the same search and likelihood as register_household). On data whose households are all distinct,
such as the demo (`load_demo`), every hold or flag is a false alarm.
"""

from django.core.management.base import BaseCommand

from beneficiaries.duplicates import best_match, hold_threshold, review_threshold
from beneficiaries.models import Household


def false_alarm_rates(households) -> dict:
    checked = held = flagged = 0
    for household in households.select_related("site"):
        checked += 1
        match = best_match(household)
        if match and match.verdict == "hold":
            held += 1
        elif match:
            flagged += 1
    return {
        "checked": checked,
        "held": held,
        "flagged": flagged,
        "held_rate": held / checked if checked else 0.0,
        "flagged_rate": flagged / checked if checked else 0.0,
    }


class Command(BaseCommand):
    help = "Report the duplicate check's false-alarm rate on households known to be distinct (e.g. the demo)."

    def handle(self, *args, **options):
        rates = false_alarm_rates(Household.objects.filter(is_active=True))
        self.stdout.write(
            f"{rates['checked']} households checked against each other "
            f"(hold at {hold_threshold():.2f}, review at {review_threshold():.2f}): "
            f"{rates['held']} held ({rates['held_rate']:.1%}), {rates['flagged']} flagged ({rates['flagged_rate']:.1%})"
        )
