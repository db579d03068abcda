"""The false-alarm rate of the duplicate check on the demo, whose households are all distinct."""

import pytest

from beneficiaries.management.commands.duplicate_false_alarms import false_alarm_rates
from beneficiaries.models import Household
from demo.loader import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_households_are_never_held_and_rarely_flagged(capsys):
    load_demo()
    rates = false_alarm_rates(Household.objects.filter(is_active=True))
    with capsys.disabled():
        print(f"\nduplicate false alarms on the demo: {rates}")
    assert rates["checked"] > 150
    assert rates["held"] == 0  # no distinct household would be kept out of the register
    assert rates["flagged_rate"] < 0.05  # namesakes born within a year of each other, shown to a reviewer
