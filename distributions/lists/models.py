"""The models of distribution lists (imported by distributions/models.py, so they belong to `distributions`)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.audit import AuditedRecords
from beneficiaries.models import DisplacementStatus


class DistributionList(models.Model):
    """A distribution's list: the targeting criteria and entitlement rules, then, once approved, the frozen
    households (ListedHousehold) with their kits (ListedKit). One per distribution."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    distribution = models.OneToOneField(
        "distributions.Distribution", on_delete=models.CASCADE, related_name="target_list"
    )
    # Shapes in distributions/lists/criteria.py (validated there, on every channel).
    criteria = models.JSONField(_("targeting criteria"), default=dict, blank=True)
    rules = models.JSONField(_("entitlement rules"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Field officers who may override the list at the distribution point (a supervisor for this distribution:
    # a per-assignment flag, not a role; programme managers and administrators always may).
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisors"), blank=True, related_name="supervised_lists"
    )
    history = AuditedRecords()

    class Meta:
        verbose_name = _("distribution list")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "approved"]), name="distributionlist_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft", approved_at__isnull=True, approved_by__isnull=True)
                | Q(status="approved", approved_at__isnull=False, approved_by__isnull=False),
                name="distributionlist_approval_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id} ({self.status})"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class ListedHousehold(models.Model):
    """A household on an approved list, with the figures it had when the list was frozen (later edits to the
    household do not change the list). Removed households keep their row (`removed_at`): the change is audited."""

    dlist = models.ForeignKey(DistributionList, on_delete=models.CASCADE, related_name="households")
    household = models.ForeignKey("beneficiaries.Household", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="+")
    household_size = models.PositiveSmallIntegerField(_("household size"))
    displacement_status = models.CharField(max_length=20, choices=DisplacementStatus.choices)
    woman_headed = models.BooleanField(default=False)
    person_with_disability = models.BooleanField(default=False)
    older_person_headed = models.BooleanField(default=False)
    child_headed = models.BooleanField(default=False)
    chronic_illness = models.BooleanField(default=False)
    pregnant_or_lactating = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dlist", "household"], name="listedhousehold_once"),
            models.CheckConstraint(condition=Q(household_size__gte=1), name="listedhousehold_size_positive"),
        ]
        indexes = [models.Index(fields=["dlist", "site", "household"], name="listedhousehold_site_idx")]

    def __str__(self) -> str:
        return f"{self.dlist_id}: {self.household_id}"


class ListedKit(models.Model):
    """A listed household's entitlement of one kit type, frozen at approval."""

    listed = models.ForeignKey(ListedHousehold, on_delete=models.CASCADE, related_name="kits")
    kit_type = models.ForeignKey("kits.KitType", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(_("quantity"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["listed", "kit_type"], name="listedkit_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="listedkit_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kit_type_id} × {self.quantity}"


class ListChange(models.Model):
    """An audited change to an approved list (a household added or removed), or a supervisor's override letting
    a household off the list be served. Each has who, when and why; none is ever deleted."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Added to the list")
        REMOVED = "removed", _("Removed from the list")
        OVERRIDE = "override", _("Served off the list (override)")

    dlist = models.ForeignKey(DistributionList, on_delete=models.CASCADE, related_name="changes")
    household = models.ForeignKey("beneficiaries.Household", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    # A phone's override recorded offline is sent once (replays return the stored one).
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["added", "removed", "override"]), name="listchange_kind"),
            models.CheckConstraint(condition=~Q(reason=""), name="listchange_has_reason"),
            models.UniqueConstraint(
                fields=["dlist", "household"], condition=Q(kind="override"), name="listchange_one_override"
            ),
        ]
        indexes = [models.Index(fields=["dlist", "id"], name="listchange_dlist_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.household_id}"


class DayClosure(models.Model):
    """An officer's closed day at a distribution: the tally as it stood (shown to the site focal point)."""

    dlist = models.ForeignKey(DistributionList, on_delete=models.CASCADE, related_name="closures")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    tally = models.JSONField(_("tally"))
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dlist", "officer", "day"], name="dayclosure_once")]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.day}"
