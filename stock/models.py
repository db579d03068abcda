"""Warehouses, stock movements and the balances derived from them (issue 20).

Stock on hand is never typed: every movement is a row (`StockMovement`), and two tables are kept from them in
the movement's transaction by stock/services.py: `StockBalance` (warehouse × project × kit type) and
`DistributionStock` (distribution × kit type, what went to a site and came back). Their check constraints are
the last word: a balance below zero, or more returned and written off at a site than was dispatched to it, is
refused by the database whoever writes. stock/rebuild.py recomputes both from the movements alone.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.names import in_language


class Warehouse(models.Model):
    """A store holding kits: IOM's warehouse in Mopti. Its storekeepers record its movements."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=200, blank=True)
    admin_area = models.ForeignKey(
        "sites.AdminArea", verbose_name=_("administrative area"), null=True, blank=True, on_delete=models.PROTECT
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    # The storekeepers' scope (accounts.selectors.visible_warehouses).
    keepers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("storekeepers"), blank=True, related_name="kept_warehouses"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return in_language(self, "name")


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received from a supplier or agency")
    DISPATCHED = "dispatched", _("Dispatched to a distribution")
    RECEIVED_AT_SITE = "received_at_site", _("Received at the site")
    RETURNED = "returned", _("Returned from a distribution")
    DAMAGED = "damaged", _("Damaged")
    LOST = "lost", _("Lost")
    ADJUSTED = "adjusted", _("Adjusted after a count")
    ISSUED = "issued", _("Issued to an organisation")


# Kinds that name a distribution (always, or for a write-off at its site), and the warehouse balance's sign.
TO_DISTRIBUTION = (MovementKind.DISPATCHED, MovementKind.RECEIVED_AT_SITE, MovementKind.RETURNED)
WRITE_OFFS = (MovementKind.DAMAGED, MovementKind.LOST)
WAREHOUSE_SIGN = {
    MovementKind.RECEIVED: 1,
    MovementKind.DISPATCHED: -1,
    MovementKind.RECEIVED_AT_SITE: 0,  # a confirmation at the site: the kits left the warehouse on dispatch
    MovementKind.RETURNED: 1,
    MovementKind.DAMAGED: -1,  # 0 when written off at a distribution's site
    MovementKind.LOST: -1,
    MovementKind.ADJUSTED: 1,  # signed quantity
    MovementKind.ISSUED: -1,
}


class StockMovement(models.Model):
    """One movement of kits of one type, for one project, at one warehouse; never edited or deleted.

    `quantity` is a number of kits, > 0, except for an adjustment after a count (signed, ≠ 0). `reference`
    is the supplier's or agency's reference (received), the waybill number (dispatched) or the count sheet.
    A damaged or lost movement that names a distribution writes kits off at its site, not in the warehouse.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="movements"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="stock_movements"
    )
    kit_type = models.ForeignKey("kits.KitType", verbose_name=_("kit type"), on_delete=models.PROTECT)
    quantity = models.IntegerField(_("quantity"))
    occurred_on = models.DateField(_("date"))
    reference = models.CharField(_("reference or waybill number"), max_length=100, blank=True)
    distribution = models.ForeignKey(
        "distributions.Distribution",
        verbose_name=_("distribution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    # The supplier or agency (received), the organisation kits were issued to (issued: institutional handovers).
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    reason = models.TextField(_("why"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # A resubmission (a retry, an ERP pushing twice) is stored once: stock.services.record_movement.
    client_uuid = models.UUIDField(_("client UUID"), default=uuid.uuid4, unique=True)
    # Stamped by the change feed's trigger (stock 0001), as receipts are (api/changes.py).
    changed_at = models.DateTimeField(_("changed at"), db_default=Now(), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("stock movement")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="stockmovement_kind_valid"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(kind=MovementKind.ADJUSTED, quantity__lt=0),
                name="stockmovement_quantity_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=TO_DISTRIBUTION) | Q(distribution__isnull=False),
                name="stockmovement_distribution_named",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=(*TO_DISTRIBUTION, *WRITE_OFFS)) | Q(distribution__isnull=True),
                name="stockmovement_distribution_only_where_it_applies",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=(MovementKind.RECEIVED, MovementKind.DISPATCHED)) | ~Q(reference=""),
                name="stockmovement_reference_named",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MovementKind.ISSUED) | Q(organisation__isnull=False),
                name="stockmovement_issue_names_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=(*WRITE_OFFS, MovementKind.ADJUSTED)) | ~Q(reason=""),
                name="stockmovement_write_off_says_why",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "kit_type"]),
            models.Index(fields=["changed_at", "id"], name="stockmovement_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.quantity} {self.kit_type}"

    @property
    def warehouse_change(self) -> int:
        """Kits this movement adds to (or takes from, < 0) its warehouse's stock on hand."""
        if self.kind in WRITE_OFFS and self.distribution_id:
            return 0
        return WAREHOUSE_SIGN[self.kind] * self.quantity


class StockBalance(models.Model):
    """Stock of one kit type held for one project in one warehouse: cumulative counters and the stock on hand,
    kept by stock.services in each movement's transaction. Never below zero: the database refuses it."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    kit_type = models.ForeignKey("kits.KitType", on_delete=models.PROTECT, related_name="+")
    received = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    written_off = models.IntegerField(default=0)  # damaged or lost in the warehouse
    issued = models.IntegerField(default=0)
    adjusted = models.IntegerField(default=0)  # signed
    on_hand = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "project", "kit_type"], name="stockbalance_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stockbalance_never_below_zero"),
            models.CheckConstraint(
                condition=Q(
                    on_hand=F("received")
                    - F("dispatched")
                    + F("returned")
                    - F("written_off")
                    - F("issued")
                    + F("adjusted")
                ),
                name="stockbalance_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["project", "kit_type"])]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.project_id}/{self.kit_type_id}: {self.on_hand}"


class DistributionStock(models.Model):
    """Kits of one type sent to one distribution and what became of them, besides the receipts: kept by
    stock.services in each movement's transaction. More returned and written off than dispatched is refused."""

    distribution = models.ForeignKey("distributions.Distribution", on_delete=models.CASCADE, related_name="+")
    kit_type = models.ForeignKey("kits.KitType", on_delete=models.PROTECT, related_name="+")
    dispatched = models.IntegerField(default=0)
    received_at_site = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    damaged = models.IntegerField(default=0)
    lost = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["distribution", "kit_type"], name="distributionstock_unique"),
            models.CheckConstraint(
                condition=Q(dispatched__gte=0, received_at_site__gte=0, returned__gte=0, damaged__gte=0, lost__gte=0),
                name="distributionstock_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(dispatched__gte=F("returned") + F("damaged") + F("lost")),
                name="distributionstock_not_more_back_than_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}/{self.kit_type_id}: {self.dispatched}"


class VarianceExplanation(models.Model):
    """Why a distribution's kits of one type do not add up (distributions/reconciliation.py): it explains the
    variance it was written for; a different variance later needs a new explanation."""

    distribution = models.ForeignKey("distributions.Distribution", on_delete=models.CASCADE, related_name="+")
    kit_type = models.ForeignKey("kits.KitType", verbose_name=_("kit type"), on_delete=models.PROTECT)
    variance = models.IntegerField(_("variance"))
    explanation = models.TextField(_("explanation"))
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    explained_at = models.DateTimeField(_("explained at"), auto_now=True)

    class Meta:
        verbose_name = _("variance explanation")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "kit_type"], name="varianceexplanation_unique"),
            models.CheckConstraint(condition=~Q(explanation=""), name="varianceexplanation_not_empty"),
        ]

    def __str__(self) -> str:
        return self.explanation
