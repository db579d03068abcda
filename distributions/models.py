import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import AuditedRecords
from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, HouseholdFigures
from config.names import in_language
from distributions.summary_base import KitCounts, ReachCounts


class Distribution(models.Model):
    """A distribution event of one project at one site."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # Receipts may be recorded only while a distribution is open.
    OPEN_STATUSES = (Status.PLANNED, Status.ONGOING)

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="distributions"
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="distributions"
    )
    name = models.CharField(_("name"), max_length=200)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=200, blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When it was completed or cancelled (save() keeps it): receipts a phone recorded offline before
    # that moment, inside the planned dates, are still accepted as late syncs (services._check_recordable).
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    kit_types = models.ManyToManyField("kits.KitType", through="DistributionItem", related_name="distributions")
    history = AuditedRecords()

    class Meta:
        ordering = ["-planned_start", "id"]
        verbose_name = _("distribution")
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gte=F("planned_start")), name="distribution_dates_ordered"),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "ongoing", "completed", "cancelled"]),
                name="distribution_status_valid",
            ),
            # The target of receipts' (distribution, project) foreign key: a receipt's partition key is its
            # distribution's project (docs/scaling.md).
            models.UniqueConstraint(fields=["id", "project"], name="distribution_id_project"),
        ]
        indexes = [models.Index(fields=["project", "site"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.is_open:
            self.closed_at = None
        elif self.closed_at is None and not self._state.adding:
            # Closed now. One created closed was never open: it takes no late sync (closed_at stays empty).
            self.closed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "closed_at"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def local_name(self) -> str:
        """The name in the active language (config.names)."""
        return in_language(self, "name")

    def took_late_receipt_at(self, received_at) -> bool:
        """Whether a receipt received at `received_at` (aware datetime) counts though this distribution is
        closed: completed (not cancelled), received before it closed and on a planned day (local dates)."""
        if self.status != self.Status.COMPLETED or self.closed_at is None or received_at > self.closed_at:
            return False
        # The planned days are the site's days (Site.zone), not the server's.
        return self.planned_start <= timezone.localdate(received_at, self.site.zone) <= self.planned_end


class DistributionItem(models.Model):
    """A kit type a distribution hands out: the planned total and each household's entitlement."""

    class Basis(models.TextChoices):
        PER_HOUSEHOLD = "per_household", _("Fixed quantity per household")
        PER_MEMBER = "per_member", _("Quantity per household member")

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="items")
    kit_type = models.ForeignKey("kits.KitType", verbose_name=_("kit type"), on_delete=models.PROTECT)
    planned_quantity = models.PositiveIntegerField(_("planned total"))
    entitlement_basis = models.CharField(
        _("entitlement basis"), max_length=20, choices=Basis.choices, default=Basis.PER_HOUSEHOLD
    )
    entitlement_quantity = models.PositiveSmallIntegerField(_("entitlement quantity"), default=1)
    entitlement_maximum = models.PositiveSmallIntegerField(_("entitlement maximum"), null=True, blank=True)
    history = AuditedRecords()

    class Meta:
        ordering = ["distribution", "kit_type__code"]
        verbose_name = _("planned kit type")
        constraints = [
            # Receipts reference (distribution, kit_type) as a pair: this is its key.
            models.UniqueConstraint(fields=["distribution", "kit_type"], name="distributionitem_unique_kit"),
            models.CheckConstraint(condition=Q(planned_quantity__gt=0), name="distributionitem_planned_positive"),
            models.CheckConstraint(
                condition=Q(entitlement_quantity__gt=0), name="distributionitem_entitlement_positive"
            ),
            models.CheckConstraint(
                condition=Q(entitlement_maximum__isnull=True) | Q(entitlement_maximum__gte=F("entitlement_quantity")),
                name="distributionitem_maximum_not_below_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kit_type} × {self.planned_quantity}"

    def entitlement_for(self, household_size: int) -> int:
        if self.entitlement_basis == self.Basis.PER_HOUSEHOLD:
            return self.entitlement_quantity
        entitled = self.entitlement_quantity * household_size
        return min(entitled, self.entitlement_maximum) if self.entitlement_maximum else entitled


class VerificationMethod(models.TextChoices):
    REGISTRATION_CODE = "registration_code", _("Registration code or card")
    ID_DOCUMENT = "id_document", _("ID document")
    SIGNATURE = "signature", _("Signature")
    THUMBPRINT = "thumbprint", _("Thumbprint")
    PROXY = "proxy", _("Proxy collector")


class Receipt(HouseholdFigures):
    """A household received a quantity of a kit type in a distribution.

    The household's figures, site and areas are frozen here at recording time so that
    reports for a past period never change and progress aggregates from this one table.
    Receipts are never deleted, only voided with a reason.
    """

    client_uuid = models.UUIDField(_("client UUID"), unique=True, default=uuid.uuid4)
    # The partition key (docs/scaling.md): always the distribution's project. A composite foreign key
    # (distribution, project) -> distribution (id, project) keeps it so (migration 0015); services fill it
    # from the distribution, and a trigger does for rows written in SQL (the generator, COPY).
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    # No single-column index on distribution, household or site: the indexes in Meta lead with them
    # (every index is written on each insert; distributions.0009 dropped the duplicates).
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="receipts", db_index=False)
    household = models.ForeignKey(
        "beneficiaries.Household", on_delete=models.PROTECT, related_name="receipts", db_index=False
    )
    kit_type = models.ForeignKey("kits.KitType", verbose_name=_("kit type"), on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    received_at = models.DateTimeField(_("received at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    verification_method = models.CharField(_("verification method"), max_length=20, choices=VerificationMethod.choices)
    proxy_name = models.CharField(_("proxy collector's name"), max_length=200, blank=True)
    # Snapshot of where the household was (the distribution's site may serve neighbours too).
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="+", db_index=False)
    admin1 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.PROTECT, related_name="+")
    admin2 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.PROTECT, related_name="+")
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField(_("void reason"), max_length=500, blank=True)
    # Synced after its distribution closed, though received while it was open (a phone offline).
    late_sync = models.BooleanField(_("late sync"), default=False, db_default=False)
    # The partner API's change feed (api/changes.py): set by a database trigger on every insert and update
    # (migration 0020), in the transaction of the change, whatever wrote it (services, bulk COPY, merges,
    # anonymisation, a raw UPDATE). The Python default only fills COPY's column; the trigger overwrites it.
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_default=Now(), editable=False)
    history = AuditedRecords(excluded_fields=["changed_at"])

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("receipt")
        constraints = [
            *HouseholdFigures.figures_constraints("receipt"),
            models.UniqueConstraint(
                fields=["distribution", "household", "kit_type"],
                condition=Q(voided_at__isnull=True),
                name="receipt_one_active_per_household_kit",
                violation_error_message=_("This household has already received this kit in this distribution."),
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(verification_method="proxy") | ~Q(proxy_name=""), name="receipt_proxy_has_name"
            ),
            models.CheckConstraint(
                condition=Q(verification_method__in=VerificationMethod.values), name="receipt_verification_valid"
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="receipt_void_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["distribution", "kit_type"], name="receipt_dist_kit_idx"),
            models.Index(fields=["household"], name="receipt_household_idx"),
            models.Index(fields=["received_at", "id"], name="receipt_received_idx"),
            models.Index(fields=["site", "received_at"], name="receipt_site_received_idx"),
            # The API's receipt list by site and kit type, newest first (keyset on id): read backwards.
            models.Index(fields=["site", "kit_type", "id"], name="receipt_site_kit_idx"),
            # A distribution's receipts newest first (the API's list by id or by received_at): read backwards.
            models.Index(fields=["distribution", "id"], name="receipt_dist_id_idx"),
            models.Index(fields=["distribution", "received_at", "id"], name="receipt_dist_received_idx"),
            models.Index(fields=["changed_at", "id"], name="receipt_changed_idx"),  # the change feed
        ]

    def __str__(self) -> str:
        return f"{self.kit_type_id} × {self.quantity} ({self.client_uuid})"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class ReceiptSummary(KitCounts):
    """Kits handed out, per day and every dimension the dashboards filter or group by.

    Kept exact in the transaction that records or voids a receipt (distributions/progress/maintain.py),
    so dashboards read a small table and still show a receipt recorded a second ago. Voided
    receipts are subtracted. `manage.py rebuild_progress_summary` rebuilds it from receipts.
    """

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="+")

    class Meta:
        # No unique key: two racing first receipts of a day may each insert a row, and every
        # reader SUMs, so the figures stay exact; the index makes the increment a point update.
        constraints = [
            models.CheckConstraint(condition=Q(receipts__gte=0, kits__gte=0), name="receiptsummary_not_negative"),
        ]
        indexes = [
            models.Index(fields=["project", "day"], name="receiptsummary_project_day"),
            models.Index(fields=["distribution", "day", "kit_type", "site"], name="receiptsummary_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kit_type_id} × {self.kits}"


class HouseholdReach(HouseholdFigures):
    """A household's first active receipt of a kit type in a project, with the figures frozen on it.

    One row per (project, household, kit type): distinct-household counts under any kit, area or
    period filter are exact from this table (see docs/architecture.md, "Households reached").
    Kept in the same transaction as record_receipt and void_receipt.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey("beneficiaries.Household", on_delete=models.CASCADE, related_name="+")
    kit_type = models.ForeignKey("kits.KitType", on_delete=models.CASCADE, related_name="+")
    kit_category = models.CharField(max_length=20)
    first_receipt = models.OneToOneField(Receipt, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    admin1 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.CASCADE, related_name="+")
    admin2 = models.ForeignKey("sites.AdminArea", null=True, on_delete=models.CASCADE, related_name="+")
    # The household's earliest row in the project (any kit type): unfiltered reach is a plain GROUP BY over these.
    is_household_first = models.BooleanField(default=False)

    class Meta:
        constraints = [
            *HouseholdFigures.figures_constraints("householdreach"),
            models.UniqueConstraint(fields=["project", "household", "kit_type"], name="householdreach_unique"),
        ]
        indexes = [
            models.Index(fields=["project", "household", "received_at"], name="householdreach_first"),
            models.Index(fields=["project"], condition=Q(is_household_first=True), name="householdreach_project_first"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} first got {self.kit_type_id} on {self.received_at:%Y-%m-%d}"


# The reach figures, in one place: ReachSummary's summed columns, the engine's reach rows and totals
# (distributions/progress/queries.py), the dashboard's, API's and reports' "reach" (households reached, each once).
REACH_FIGURES = ("households", "individuals", *SADD_FIELDS, *VULNERABILITY_FIELDS)


class ReachSummary(ReachCounts):
    """Households first reached per day, for each way the dashboards count a household once.

    `scope` says within what a household's first receipt is taken: the whole project, one kit
    type, one kit category, one admin 1 or admin 2 area, one site, or one category within one
    area or site (the key is the row's own columns named by REACH_SCOPES). Each household adds 1 to `households` and its
    frozen figures to the sums on the day, site, areas and displacement status of that first
    receipt. So unfiltered, period, kit, area and site reach are sums over this small table.
    Kept exact by distributions/progress/maintain.py in the transaction that moves a household's reach
    rows (record and void); like ReceiptSummary it has no unique key and readers sum.
    """

    class Meta:
        constraints = [
            ReachCounts.scope_constraint("reachsummary_scope_valid"),
        ]
        indexes = [models.Index(fields=["project", "scope", "day", "site"], name="reachsummary_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.scope}: {self.households} households"


class ReceiptRollup(KitCounts):
    """ReceiptSummary added up per roll-up period (a week cut at month ends; `day` is its first day), without
    the distribution: what the dashboard reads for the periods its filter covers whole, so its cost grows with
    weeks, not days (distributions/progress/periods.py). Kept in the same transaction as ReceiptSummary."""

    class Meta:
        indexes = [models.Index(fields=["project", "day", "site", "kit_type"], name="receiptrollup_key")]


class ReachRollup(ReachCounts):
    """ReachSummary added up per roll-up period, as ReceiptRollup is."""

    class Meta:
        constraints = [ReachCounts.scope_constraint("reachrollup_scope_valid")]
        indexes = [models.Index(fields=["project", "scope", "day", "site"], name="reachrollup_key")]


class ReceiptTimeline(KitCounts):
    """ReceiptRollup added up over the sites of each area: kits per roll-up period, admin 2 area and kit. What the
    kits timeline reads when no site is filtered, so its cost grows with periods × areas × kits, not with sites."""

    site = displacement_status = None

    class Meta:
        indexes = [models.Index(fields=["project", "day", "kit_type"], name="receipttimeline_key")]


class ReachTimeline(ReachCounts):
    """ReachRollup added up over the sites of each area, for the scopes that name no site (TIMELINE_SCOPES):
    households first reached per roll-up period and admin 2 area, in the project, a kit type, a category or an
    area. The reach timeline's table when no site is filtered. (The site scopes' rows summed over sites would
    count a household once per site.)"""

    site = displacement_status = None

    class Meta:
        constraints = [ReachCounts.scope_constraint("reachtimeline_scope_valid")]
        indexes = [models.Index(fields=["project", "scope", "day"], name="reachtimeline_key")]


class ReceiptTotal(KitCounts):
    """ReceiptRollup added up over the whole history: kits per place and kit, without the day. What a
    dashboard or report with no period reads, so its cost does not grow with the days distributed."""

    day = None

    class Meta:
        indexes = [models.Index(fields=["project", "site", "kit_type"], name="receipttotal_key")]


class ReachTotal(ReachCounts):
    """ReachRollup added up over the whole history: households first reached per scope, place and kit."""

    day = None

    class Meta:
        constraints = [ReachCounts.scope_constraint("reachtotal_scope_valid")]
        indexes = [models.Index(fields=["project", "scope", "site"], name="reachtotal_key")]


class SyncRefusal(models.Model):
    """A receipt a phone recorded offline that the server refused when it synced (duplicate, closed
    distribution, inactive household...): the phone shows it once, the distribution's page keeps it."""

    client_uuid = models.UUIDField(unique=True)
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="sync_refusals")
    household = models.ForeignKey("beneficiaries.Household", on_delete=models.CASCADE, related_name="+")
    kit_type = models.ForeignKey("kits.KitType", on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    refused_at = models.DateTimeField(_("refused at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["-refused_at", "-id"]
        indexes = [models.Index(fields=["distribution", "refused_at"], name="syncrefusal_dist_idx")]

    def __str__(self) -> str:
        return f"{self.client_uuid}: {self.reason}"


# The scope rule, in one place: for each scope, the reach-row columns whose values a household's first receipt is
# taken within (distributions/progress/maintain.py writes ReachSummary by them, distributions/progress/queries.py reads
# by them). The area-or-site × category scopes serve the combined filters (one region's shelter kits) from the summary.
REACH_SCOPES: dict[str, tuple[str, ...]] = {
    ReachSummary.Scope.PROJECT: (),
    ReachSummary.Scope.KIT_TYPE: ("kit_type_id",),
    ReachSummary.Scope.KIT_CATEGORY: ("kit_category",),
    ReachSummary.Scope.ADMIN1: ("admin1_id",),
    ReachSummary.Scope.ADMIN2: ("admin2_id",),
    ReachSummary.Scope.SITE: ("site_id",),
    ReachSummary.Scope.ADMIN1_CATEGORY: ("admin1_id", "kit_category"),
    ReachSummary.Scope.ADMIN2_CATEGORY: ("admin2_id", "kit_category"),
    ReachSummary.Scope.SITE_CATEGORY: ("site_id", "kit_category"),
}

# The scopes that name no site, whose rows ReachTimeline adds up over the sites of each area.
TIMELINE_SCOPES: tuple[str, ...] = tuple(scope for scope, columns in REACH_SCOPES.items() if "site_id" not in columns)

# How many rows of one summary key concurrent writers spread over (ReceiptSummary.stripe, ReachSummary.stripe).
SUMMARY_STRIPES = 16
# Distribution lists (issue 19) live in their own package; importing them here registers them with this app.
from distributions.lists.models import DayClosure, DistributionList, ListChange, ListedHousehold, ListedKit  # noqa: E402, F401
