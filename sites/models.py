import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.audit import AuditedRecords


class AdminArea(models.Model):
    """An administrative area keyed by its OCHA P-code (level 0 is the country)."""

    class Level(models.IntegerChoices):
        COUNTRY = 0, _("Country")
        ADMIN1 = 1, _("Admin 1 (region)")
        ADMIN2 = 2, _("Admin 2")
        ADMIN3 = 3, _("Admin 3")

    pcode = models.CharField(_("P-code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    country_code = models.CharField(_("country (ISO 3166 alpha-3)"), max_length=3)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    history = AuditedRecords()  # written through the partner API and /admin/ (issue 18)

    class Meta:
        ordering = ["pcode"]
        verbose_name = _("administrative area")
        constraints = [
            models.CheckConstraint(condition=models.Q(level__lte=3), name="adminarea_level_range"),
            models.CheckConstraint(
                condition=models.Q(level=0, parent__isnull=True) | models.Q(level__gt=0, parent__isnull=False),
                name="adminarea_parent_iff_below_country",
            ),
        ]
        indexes = [models.Index(fields=["country_code", "level"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.pcode})"

    def ancestor_at(self, level: int) -> "AdminArea | None":
        area = self
        while area is not None and area.level > level:
            area = area.parent
        return area if area is not None and area.level == level else None


# A country's time zone where it has one (ISO 3166 alpha-3, as AdminArea.country_code); sites of countries
# with several zones, or not listed, set Site.time_zone.
COUNTRY_TIME_ZONES = {
    "MLI": "Africa/Bamako",
    "IRQ": "Asia/Baghdad",
    "SOM": "Africa/Mogadishu",
    "NER": "Africa/Niamey",
    "BFA": "Africa/Ouagadougou",
    "TCD": "Africa/Ndjamena",
    "NGA": "Africa/Lagos",
    "SDN": "Africa/Khartoum",
    "SSD": "Africa/Juba",
    "ETH": "Africa/Addis_Ababa",
    "YEM": "Asia/Aden",
    "SYR": "Asia/Damascus",
    "AFG": "Asia/Kabul",
    "HTI": "America/Port-au-Prince",
}


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(_("Enter a time zone name such as Africa/Bamako."))


class Site(models.Model):
    """A place where displaced people live and where distributions happen."""

    class SiteType(models.TextChoices):
        PLANNED_CAMP = "planned_camp", _("Planned camp")
        COLLECTIVE_CENTRE = "collective_centre", _("Collective centre")
        INFORMAL_SITE = "informal_site", _("Informal or spontaneous site")
        HOST_COMMUNITY = "host_community", _("Host community")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    site_type = models.CharField(_("type"), max_length=20, choices=SiteType.choices)
    admin_area = models.ForeignKey(AdminArea, verbose_name=_("administrative area"), on_delete=models.PROTECT)
    # Derived from admin_area on save so that scoping and aggregation need no recursive joins.
    admin1 = models.ForeignKey(
        AdminArea, verbose_name=_("admin 1"), null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    admin2 = models.ForeignKey(
        AdminArea, verbose_name=_("admin 2"), null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    population_households = models.PositiveIntegerField(_("households (latest figure)"), null=True, blank=True)
    population_individuals = models.PositiveIntegerField(_("individuals (latest figure)"), null=True, blank=True)
    population_as_of = models.DateField(_("population figures as of"), null=True, blank=True)
    # IANA name (e.g. "Africa/Bamako"); blank: its country's (COUNTRY_TIME_ZONES), else the server's.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    history = AuditedRecords()  # written through the partner API and /admin/ (issue 18)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        if self.admin_area_id:
            self.admin1 = self.admin_area.ancestor_at(AdminArea.Level.ADMIN1)
            self.admin2 = self.admin_area.ancestor_at(AdminArea.Level.ADMIN2)
        super().save(*args, **kwargs)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The site's local time zone: its own, its country's, or the server's (times shown to officers)."""
        name = self.time_zone
        if not name and self.admin_area_id:
            name = COUNTRY_TIME_ZONES.get(self.admin_area.country_code, "")
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)

    def clean(self) -> None:
        if self.admin_area_id and self.admin_area.level < AdminArea.Level.ADMIN1:
            raise ValidationError({"admin_area": _("A site lies in an admin 1 area or below, not a country.")})
