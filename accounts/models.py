from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.audit import AuditedRecords


class Organisation(models.Model):
    """An agency, donor or partner: IOM, the Government of Japan, a national directorate."""

    class Kind(models.TextChoices):
        UN_AGENCY = "un_agency", _("UN agency")
        INGO = "ingo", _("International NGO")
        NNGO = "nngo", _("National NGO")
        GOVERNMENT = "government", _("Government")
        DONOR = "donor", _("Donor")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    iati_identifier = models.CharField(_("IATI organisation identifier"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.acronym or self.name


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    FIELD_OFFICER = "field_officer", _("Field officer")
    DONOR_VIEWER = "donor_viewer", _("Donor viewer")
    PARTNER_SYSTEM = "partner_system", _("Partner system")
    STOREKEEPER = "storekeeper", _("Storekeeper")


class User(AbstractUser):
    """A person or a partner system. What it may see is decided in accounts/selectors.py only."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.FIELD_OFFICER)
    # Field officers work at sites; managers, donor viewers and partner systems on projects.
    assigned_sites = models.ManyToManyField(
        "sites.Site", verbose_name=_("assigned sites"), blank=True, related_name="assigned_users"
    )
    assigned_projects = models.ManyToManyField(
        "projects.Project", verbose_name=_("assigned projects"), blank=True, related_name="assigned_users"
    )
    # Partner systems see personal data only under a written data-sharing agreement.
    personal_data_grant = models.BooleanField(_("personal data grant"), default=False)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)
    # The audit trail of accounts, roles and scopes; never the password hash.
    history = AuditedRecords(
        excluded_fields=["password", "last_login"],
        m2m_fields=[assigned_sites, assigned_projects],
    )

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[choice.value for choice in Role]), name="user_role_valid"
            )
        ]

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR
