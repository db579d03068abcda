from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.audit import AuditedRecords
from config.names import in_language
from kits.models import KitCategory


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        SUSPENDED = "suspended", _("Suspended")

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_fr = models.CharField(_("title in French"), max_length=300, blank=True)
    title_ar = models.CharField(_("title in Arabic"), max_length=300, blank=True)
    donor = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("donor"), on_delete=models.PROTECT, related_name="funded_projects"
    )
    lead_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    implementing_partners = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("implementing partners"), blank=True, related_name="partner_projects"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    admin_areas = models.ManyToManyField("sites.AdminArea", verbose_name=_("areas covered"), related_name="projects")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # How long personal data is kept after the project ends (data protection: retention limit).
    retention_months = models.PositiveSmallIntegerField(_("personal data retention (months after end)"), default=24)
    # Household cards print the head of household's name only where the project allows it (docs/security.md):
    # a lost card then names a person at risk. Off by default.
    cards_show_head_name = models.BooleanField(_("household cards show the head of household's name"), default=False)
    history = AuditedRecords()

    class Meta:
        ordering = ["-start_date", "code"]
        verbose_name = _("project")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="project_dates_ordered"),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "active", "closed", "suspended"]), name="project_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def local_title(self) -> str:
        """The title in the active language (config.names)."""
        return in_language(self, "title")


class Target(models.Model):
    class Indicator(models.TextChoices):
        KITS_DISTRIBUTED = "kits_distributed", _("Kits distributed")
        HOUSEHOLDS_REACHED = "households_reached", _("Households reached")
        INDIVIDUALS_REACHED = "individuals_reached", _("Individuals reached")
        # Approved results of an activity indicator (projects/indicators), not receipts.
        ACTIVITY = "activity", _("Activity indicator")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    # A kits target counts one kit type or a whole category; reach targets may narrow to either too.
    kit_type = models.ForeignKey(
        "kits.KitType", verbose_name=_("kit type"), null=True, blank=True, on_delete=models.PROTECT
    )
    kit_category = models.CharField(_("kit category"), max_length=20, choices=KitCategory.choices, blank=True)
    admin_area = models.ForeignKey(
        "sites.AdminArea", verbose_name=_("restricted to area"), null=True, blank=True, on_delete=models.PROTECT
    )
    activity_indicator = models.ForeignKey(
        "projects.ActivityIndicator",
        verbose_name=_("activity indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    target_value = models.PositiveIntegerField(_("target"))
    history = AuditedRecords()

    class Meta:
        ordering = ["project", "indicator", "id"]
        verbose_name = _("target")
        constraints = [
            models.CheckConstraint(condition=Q(target_value__gt=0), name="target_value_positive"),
            models.CheckConstraint(
                condition=~(Q(kit_type__isnull=False) & ~Q(kit_category="")), name="target_kit_type_or_category"
            ),
            models.CheckConstraint(
                condition=~Q(indicator="kits_distributed") | Q(kit_type__isnull=False) | ~Q(kit_category=""),
                name="target_kits_names_what",
            ),
            models.CheckConstraint(
                condition=Q(
                    indicator__in=["kits_distributed", "households_reached", "individuals_reached", "activity"]
                ),
                name="target_indicator_valid",
            ),
            # An activity target names its indicator and no kit; the others name no activity indicator.
            models.CheckConstraint(
                condition=Q(
                    indicator="activity", activity_indicator__isnull=False, kit_type__isnull=True, kit_category=""
                )
                | (~Q(indicator="activity") & Q(activity_indicator__isnull=True)),
                name="target_activity_names_its_indicator",
            ),
        ]

    def __str__(self) -> str:
        what = self.activity_indicator or self.kit_type or self.get_kit_category_display() or ""
        return f"{self.get_indicator_display()} {what}: {self.target_value}".replace("  ", " ")

    def clean(self) -> None:
        """An activity target's indicator is one of its project's (a 400 naming `activity_indicator`)."""
        if self.activity_indicator_id and self.project_id and self.activity_indicator.project_id != self.project_id:
            raise ValidationError({"activity_indicator": [_("This indicator belongs to another project.")]})


class TargetPeriod(models.Model):
    """The share of a target expected within a period (for example a quarter)."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="periods")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target_value = models.PositiveIntegerField(_("target for the period"))
    history = AuditedRecords()

    class Meta:
        ordering = ["target", "period_start"]
        verbose_name = _("target period")
        constraints = [
            models.UniqueConstraint(fields=["target", "period_start"], name="targetperiod_unique_start"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="targetperiod_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}: {self.target_value}"


class ProgressReport(models.Model):
    """A donor progress report: asked for by a manager or by the monthly schedule, built by Celery.

    Saved in the same transaction as the request and handed to Celery after commit; a periodic
    sweep re-sends reports left queued, or left running by a worker that died (its lease expired).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    FORMATS = ("json", "xlsx", "pdf", "csv", "xml")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="reports")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scheduled = models.BooleanField(_("built by the monthly schedule"), default=False)
    # The XLSX and PDF are written in the language of the request that asked for the report.
    language = models.CharField(_("language"), max_length=10, default="en")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A worker owns a running report until its lease expires; a dead worker's lease runs out.
    claim_token = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent to the queue"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    figures = models.JSONField(_("frozen figures"), null=True, blank=True)
    outputs = models.JSONField(_("outputs"), default=dict, blank=True)  # format -> path under MEDIA_ROOT

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("progress report")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="progressreport_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="progressreport_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="running") | Q(lease_expires_at__isnull=False), name="progressreport_running_leased"
            ),
            models.UniqueConstraint(
                fields=["project", "period_start", "period_end"],
                condition=Q(scheduled=True),
                name="progressreport_one_scheduled_per_period",
            ),
        ]
        indexes = [models.Index(fields=["status", "last_sent_at"], name="progressreport_sweep")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.period_start}–{self.period_end} ({self.get_status_display()})"


# Activity indicators, their results and handovers (issue 21): declared in their own module, models of this app.
from projects.indicators.models import ActivityIndicator, Handover, IndicatorResult  # noqa: E402

__all__ = [
    "ActivityIndicator",
    "Handover",
    "IndicatorResult",
    "ProgressReport",
    "Project",
    "Target",
    "TargetPeriod",
]
