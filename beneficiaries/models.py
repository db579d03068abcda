from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from . import codes


class DisplacementStatus(models.TextChoices):
    IDP = "idp", _("Internally displaced person (IDP)")
    RETURNEE = "returnee", _("Returnee")
    HOST_COMMUNITY = "host_community", _("Host community")
    REFUGEE_MIGRANT = "refugee_migrant", _("Refugee or migrant")


# HDX population-group codes, for HXL and partner exports.
HDX_POPULATION_GROUP = {
    DisplacementStatus.IDP: "IDP",
    DisplacementStatus.RETURNEE: "RET",
    DisplacementStatus.HOST_COMMUNITY: "HST",
    DisplacementStatus.REFUGEE_MIGRANT: "REF",
}


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


# Sex-and-age disaggregated member counts: one field per sex and band, household size is their sum.
SADD_FIELDS = (
    "females_0_5",
    "females_6_17",
    "females_18_59",
    "females_60_plus",
    "males_0_5",
    "males_6_17",
    "males_18_59",
    "males_60_plus",
)
VULNERABILITY_FIELDS = (
    "woman_headed",
    "person_with_disability",
    "older_person_headed",
    "child_headed",
    "chronic_illness",
    "pregnant_or_lactating",
)


class HouseholdFigures(models.Model):
    """The figures of a household that reports count: kept on the household and, frozen, on each receipt."""

    household_size = models.PositiveSmallIntegerField(_("household size"))
    females_0_5 = models.PositiveSmallIntegerField(_("females 0-5"), default=0)
    females_6_17 = models.PositiveSmallIntegerField(_("females 6-17"), default=0)
    females_18_59 = models.PositiveSmallIntegerField(_("females 18-59"), default=0)
    females_60_plus = models.PositiveSmallIntegerField(_("females 60+"), default=0)
    males_0_5 = models.PositiveSmallIntegerField(_("males 0-5"), default=0)
    males_6_17 = models.PositiveSmallIntegerField(_("males 6-17"), default=0)
    males_18_59 = models.PositiveSmallIntegerField(_("males 18-59"), default=0)
    males_60_plus = models.PositiveSmallIntegerField(_("males 60+"), default=0)
    displacement_status = models.CharField(_("displacement status"), max_length=20, choices=DisplacementStatus.choices)
    woman_headed = models.BooleanField(_("woman-headed household"), default=False)
    person_with_disability = models.BooleanField(_("person with disability"), default=False)
    older_person_headed = models.BooleanField(_("older-person-headed household"), default=False)
    child_headed = models.BooleanField(_("child-headed household"), default=False)
    chronic_illness = models.BooleanField(_("chronic illness"), default=False)
    pregnant_or_lactating = models.BooleanField(_("pregnant or lactating woman"), default=False)

    class Meta:
        abstract = True

    @classmethod
    def figures_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        members = F(SADD_FIELDS[0])
        for field in SADD_FIELDS[1:]:
            members = members + F(field)
        return [
            models.CheckConstraint(condition=Q(household_size=members), name=f"{prefix}_size_is_sum_of_sadd_counts"),
            models.CheckConstraint(condition=Q(household_size__gte=1), name=f"{prefix}_size_at_least_one"),
            models.CheckConstraint(
                condition=Q(displacement_status__in=DisplacementStatus.values), name=f"{prefix}_displacement_valid"
            ),
        ]

    def figures(self) -> dict:
        names = ("household_size", "displacement_status", *SADD_FIELDS, *VULNERABILITY_FIELDS)
        return {name: getattr(self, name) for name in names}


class Household(HouseholdFigures):
    class IdDocumentType(models.TextChoices):
        NATIONAL_ID = "national_id", _("National identity card")
        VOTER_CARD = "voter_card", _("Voter card")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        PASSPORT = "passport", _("Passport")
        REFUGEE_ID = "refugee_id", _("Refugee or asylum-seeker ID")
        OTHER = "other", _("Other")

    registration_code = models.CharField(_("registration code"), max_length=12, unique=True, editable=False)
    head_name = models.CharField(_("head of household name"), max_length=200)
    head_sex = models.CharField(_("head of household sex"), max_length=1, choices=Sex.choices)
    head_birth_year = models.PositiveSmallIntegerField(_("head of household birth year"))
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("current site"), on_delete=models.PROTECT, related_name="households"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_document_type = models.CharField(
        _("ID document type"), max_length=20, choices=IdDocumentType.choices, blank=True
    )
    id_document_number = models.CharField(_("ID document number"), max_length=50, blank=True)
    consent_given = models.BooleanField(_("consent to data processing"), default=False)
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("household")
        constraints = [
            *HouseholdFigures.figures_constraints("household"),
            models.CheckConstraint(condition=Q(head_sex__in=Sex.values), name="household_head_sex_valid"),
            models.CheckConstraint(
                condition=Q(head_birth_year__gte=1900, head_birth_year__lte=2100), name="household_birth_year_range"
            ),
            models.CheckConstraint(
                condition=Q(consent_given=False) | Q(consent_date__isnull=False),
                name="household_consent_has_date",
            ),
            models.CheckConstraint(
                condition=Q(id_document_number="") | ~Q(id_document_type=""),
                name="household_id_number_has_type",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "id"]),
            models.Index(fields=["registered_at"]),
            models.Index(fields=["phone"]),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return codes.display(self.registration_code)
