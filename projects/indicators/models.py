"""Activity indicators, their result entries and institutional handovers (issue 21).

Declared here and imported by projects/models.py, so they belong to the `projects` app. A target of an
activity indicator is a `projects.Target` (indicator "activity"), with its periods and area as any target.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.audit import AuditedRecords
from beneficiaries.models import SADD_GROUPS
from config.names import in_language

# The four sex-and-age groups of cluster reporting (girls, boys, women, men): beneficiaries.models.SADD_GROUPS.
RESULT_SADD_FIELDS = tuple(SADD_GROUPS)


class ActivityIndicator(models.Model):
    """Something a project counts besides kits and reach: named in three languages, in a unit."""

    class Unit(models.TextChoices):
        LATRINES = "latrines", _("latrines")
        WATER_POINTS = "water_points", _("water points")
        SESSIONS = "sessions", _("sessions")
        PEOPLE = "people", _("people")
        TENTS = "tents", _("tents")
        KITS = "kits", _("kits")

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="activity_indicators"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    # Results then may carry (and the reports show) the four sex-and-age groups.
    disaggregated = models.BooleanField(_("disaggregated by sex and age"), default=False)
    history = AuditedRecords()

    class Meta:
        ordering = ["project", "code"]
        verbose_name = _("activity indicator")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="activityindicator_code_unique_in_project"),
            models.CheckConstraint(
                condition=Q(unit__in=["latrines", "water_points", "sessions", "people", "tents", "kits"]),
                name="activityindicator_unit_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_unit_display()})"

    @property
    def local_name(self) -> str:
        """The name in the active language (config.names)."""
        return in_language(self, "name")


def unit_label(code: str) -> str:
    """A unit's name in the active language (the code itself when unknown, as a frozen report may hold)."""
    return str(ActivityIndicator.Unit(code).label) if code in ActivityIndicator.Unit.values else code


class IndicatorResult(models.Model):
    """A dated quantity reported against an activity indicator, at a site or in an admin area.

    Submitted by whoever may report there (accounts.selectors.can_report_results), then approved or returned
    (with the reason) by a manager; only approved results count (projects/indicators/figures.py). A returned
    result is corrected and submitted again; an approved one is final.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", pgettext_lazy("activity result", "Returned")  # not the stock sense

    indicator = models.ForeignKey(
        ActivityIndicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="results"
    )
    # A device's or client's id for the entry: a resend returns the stored one (as receipts do).
    client_uuid = models.UUIDField(_("client id"), default=uuid.uuid4, unique=True)
    date = models.DateField(_("date"))
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    admin_area = models.ForeignKey(
        "sites.AdminArea",
        verbose_name=_("administrative area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Frozen from the site or area when stored, as receipts freeze theirs: the figures group by them.
    admin1 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.PROTECT, related_name="+", editable=False)
    admin2 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.PROTECT, related_name="+", editable=False)
    quantity = models.PositiveIntegerField(_("quantity"))
    females_0_17 = models.PositiveIntegerField(_("girls (0-17)"), null=True, blank=True)
    males_0_17 = models.PositiveIntegerField(_("boys (0-17)"), null=True, blank=True)
    females_18_plus = models.PositiveIntegerField(_("women (18+)"), null=True, blank=True)
    males_18_plus = models.PositiveIntegerField(_("men (18+)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Under MEDIA_ROOT, never served as a static file: only through the scoped download view.
    evidence = models.FileField(_("evidence"), upload_to="indicator-evidence/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    return_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    history = AuditedRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("indicator result")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="indicatorresult_quantity_positive"),
            models.CheckConstraint(
                condition=Q(site__isnull=False, admin_area__isnull=True)
                | Q(site__isnull=True, admin_area__isnull=False),
                name="indicatorresult_site_or_area",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "approved", "returned"]), name="indicatorresult_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""), name="indicatorresult_returned_with_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="indicatorresult_reviewed_by_someone",
            ),
            # The breakdown is all four groups adding up to the quantity, or none.
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True for name in RESULT_SADD_FIELDS})
                | Q(
                    **{f"{name}__isnull": False for name in RESULT_SADD_FIELDS},
                    quantity=models.F("females_0_17")
                    + models.F("males_0_17")
                    + models.F("females_18_plus")
                    + models.F("males_18_plus"),
                ),
                name="indicatorresult_sadd_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "status", "date"], name="indicatorresult_figures")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.date}: {self.quantity} ({self.get_status_display()})"

    @property
    def has_breakdown(self) -> bool:
        return self.females_0_17 is not None


class Handover(models.Model):
    """An institutional handover: a result's quantity handed to an organisation (tents to the Civil
    Protection, kits to a partner NGO), counted against the result's indicator once the result is approved.

    The stock issue it came from, where the stock is tracked (a movement of kind "issued" to the same
    organisation, of the same project and quantity), is linked here: one movement, one handover. The result
    keeps the counting; the movement keeps the warehouse's stock (projects.indicators.services.report_result).
    """

    result = models.OneToOneField(
        IndicatorResult, verbose_name=_("result"), on_delete=models.CASCADE, related_name="handover"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("handed to"), on_delete=models.PROTECT, related_name="handovers"
    )
    stock_movement = models.OneToOneField(
        "stock.StockMovement",
        verbose_name=_("stock issue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handover",
    )
    history = AuditedRecords()

    class Meta:
        verbose_name = _("handover")

    def __str__(self) -> str:
        return f"{self.result} → {self.organisation}"
