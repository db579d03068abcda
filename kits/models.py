from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.names import in_language


class KitCategory(models.TextChoices):
    EMERGENCY_SHELTER = "emergency_shelter", _("Emergency shelter")
    NFI = "nfi", _("Non-food items (NFI)")
    HYGIENE = "hygiene", _("Hygiene")
    SEASONAL_WINTER = "seasonal_winter", _("Seasonal (winter)")
    SEASONAL_SUMMER = "seasonal_summer", _("Seasonal (summer)")
    REPLACEMENT = "replacement", _("Replacement")
    TENT = "tent", _("Tent")


class KitType(models.Model):
    """A kit as handed out; its contents differ by country and are configuration, not code."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=KitCategory.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kit type")
        constraints = [
            models.CheckConstraint(condition=Q(category__in=KitCategory.values), name="kittype_category_valid")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name in the active language (config.names)."""
        return in_language(self, "name")


class KitItem(models.Model):
    kit_type = models.ForeignKey(KitType, verbose_name=_("kit type"), on_delete=models.CASCADE, related_name="items")
    item = models.CharField(_("item"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30, default="piece")

    class Meta:
        ordering = ["kit_type", "id"]
        verbose_name = _("kit item")
        constraints = [
            models.UniqueConstraint(fields=["kit_type", "item"], name="kititem_unique_item_per_kit"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="kititem_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity:g} {self.unit} {self.item}"
