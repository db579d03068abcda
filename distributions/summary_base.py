"""The columns the progress summaries share, written once (abstract models).

The per-day tables (`models.ReceiptSummary`, `models.ReachSummary`) and their roll-ups
(`models.ReceiptRollup`, `models.ReachRollup`: the same figures per week-in-month period;
`ReceiptTimeline`/`ReachTimeline` per period without the site; `ReceiptTotal`/`ReachTotal` without the
day; distributions/progress/periods.ROLLUPS) have the same key and sums, less the columns a roll-up
removes (a subclass sets the field to None); the roll-ups of kits drop the distribution, which no
dashboard filter names.
"""

from django.db import models


class KitCounts(models.Model):
    """Receipts and kits on a day (or from a roll-up period's first day) for one place and kit."""

    day = models.DateField()
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    admin1 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.CASCADE, related_name="+")
    admin2 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.CASCADE, related_name="+")
    kit_type = models.ForeignKey("kits.KitType", on_delete=models.CASCADE, related_name="+")
    kit_category = models.CharField(max_length=20)
    displacement_status = models.CharField(max_length=20)
    receipts = models.IntegerField(default=0)
    kits = models.BigIntegerField(default=0)
    # Which of SUMMARY_STRIPES rows of a key a write adds to (distributions/progress/maintain.py): officers
    # recording at one busy distribution update different rows instead of queueing on one row lock.
    stripe = models.SmallIntegerField(db_default=0)

    class Meta:
        abstract = True


class ReachCounts(models.Model):
    """Households first reached (within a scope) on a day or in a roll-up period, with their figures summed."""

    class Scope(models.TextChoices):
        PROJECT = "project"
        KIT_TYPE = "kit_type"
        KIT_CATEGORY = "category"
        ADMIN1 = "admin1"
        ADMIN2 = "admin2"
        SITE = "site"
        ADMIN1_CATEGORY = "admin1_category"
        ADMIN2_CATEGORY = "admin2_category"
        SITE_CATEGORY = "site_category"

    day = models.DateField()
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    kit_type = models.ForeignKey("kits.KitType", null=True, on_delete=models.CASCADE, related_name="+")
    kit_category = models.CharField(max_length=20, blank=True)
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    admin1 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.CASCADE, related_name="+")
    admin2 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.CASCADE, related_name="+")
    displacement_status = models.CharField(max_length=20)
    households = models.IntegerField(default=0)
    individuals = models.BigIntegerField(default=0)
    females_0_5 = models.BigIntegerField(default=0)
    females_6_17 = models.BigIntegerField(default=0)
    females_18_59 = models.BigIntegerField(default=0)
    females_60_plus = models.BigIntegerField(default=0)
    males_0_5 = models.BigIntegerField(default=0)
    males_6_17 = models.BigIntegerField(default=0)
    males_18_59 = models.BigIntegerField(default=0)
    males_60_plus = models.BigIntegerField(default=0)
    # Vulnerability: households with the flag.
    woman_headed = models.IntegerField(default=0)
    person_with_disability = models.IntegerField(default=0)
    older_person_headed = models.IntegerField(default=0)
    child_headed = models.IntegerField(default=0)
    chronic_illness = models.IntegerField(default=0)
    pregnant_or_lactating = models.IntegerField(default=0)
    stripe = models.SmallIntegerField(db_default=0)  # as KitCounts.stripe

    class Meta:
        abstract = True

    @classmethod
    def scope_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(condition=models.Q(scope__in=cls.Scope.values), name=name)
