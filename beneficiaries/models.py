from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import AuditedRecords

from . import codes, matching


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
# The four groups of cluster and donor reporting (girls, boys, women, men: children 0-17, adults 18+),
# each the sum of its SADD fields; together they add up to household size (individuals reached).
SADD_GROUPS = {
    "females_0_17": ("females_0_5", "females_6_17"),
    "males_0_17": ("males_0_5", "males_6_17"),
    "females_18_plus": ("females_18_59", "females_60_plus"),
    "males_18_plus": ("males_18_59", "males_60_plus"),
}
# The age bands of SADD_FIELDS, each (label, female field, male field), youngest first.
SADD_BANDS = (
    ("0-5", "females_0_5", "males_0_5"),
    ("6-17", "females_6_17", "males_6_17"),
    ("18-59", "females_18_59", "males_18_59"),
    ("60+", "females_60_plus", "males_60_plus"),
)


def sadd_groups(figures: dict) -> dict[str, int]:
    """{"females_0_17": girls, "males_0_17": boys, "females_18_plus": women, "males_18_plus": men} from a
    dict holding the eight SADD_FIELDS counts (a household's, a receipt's or summed reach); a missing
    field counts 0."""
    return {group: sum(figures.get(field) or 0 for field in fields) for group, fields in SADD_GROUPS.items()}


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


class IdDocumentType(models.Model):
    """A kind of identity document accepted in registrations, per country (blank: in every country).

    Editable in the admin; imports accept it by code or by label (beneficiaries/identity.py).
    """

    country_code = models.CharField(
        _("country (ISO 3166 alpha-3)"), max_length=3, blank=True, help_text=_("Blank: accepted in every country.")
    )
    code = models.SlugField(_("code"), max_length=20)
    label = models.CharField(_("label"), max_length=120)
    other_labels = models.CharField(
        _("other spellings"), max_length=400, blank=True, help_text=_("Other names met in lists, separated by |.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["country_code", "code"]
        verbose_name = _("ID document type")
        constraints = [models.UniqueConstraint(fields=["country_code", "code"], name="iddocumenttype_code_once")]

    def __str__(self) -> str:
        return f"{self.label} ({self.country_code or '*'})"


class Household(HouseholdFigures):
    registration_code = models.CharField(_("registration code"), max_length=12, unique=True, editable=False)
    head_name = models.CharField(_("head of household name"), max_length=200)
    head_sex = models.CharField(_("head of household sex"), max_length=1, choices=Sex.choices)
    head_birth_year = models.PositiveSmallIntegerField(_("head of household birth year"))
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("current site"), on_delete=models.PROTECT, related_name="households"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The code of an IdDocumentType of the site's country (or of every country): types are data, not code.
    id_document_type = models.CharField(_("ID document type"), max_length=20, blank=True)
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
    # Match keys for duplicate detection (beneficiaries/matching.py), kept current by save(). Bulk loads that
    # bypass save() leave them blank: `manage.py refresh_match_keys` fills them.
    head_name_key = models.CharField(max_length=200, blank=True, editable=False, db_default="", default="")
    head_name_skeleton = models.CharField(max_length=200, blank=True, editable=False, db_default="", default="")
    phone_key = models.CharField(max_length=20, blank=True, editable=False, db_default="", default="")
    id_document_key = models.CharField(max_length=80, blank=True, editable=False, db_default="", default="")
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_duplicates",
        editable=False,
    )
    # Retention (projects/retention.py): when the personal data was removed; figures and receipts stay.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # The partner API's change feed (api/changes.py): set by a database trigger on every insert and update, in
    # the transaction of the change (edits, merges, anonymisation, bulk imports alike). Not `updated_at`: that
    # one is the application server's clock and skipped by queryset updates.
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_default=Now(), editable=False)
    # The audit trail; match keys are derived from the audited fields, and blanked with them.
    history = AuditedRecords(
        excluded_fields=["head_name_key", "head_name_skeleton", "phone_key", "id_document_key", "changed_at"],
    )

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
            # The site in the index: a batch's candidate query drops other areas' namesakes without reading them.
            models.Index(fields=["head_name_skeleton", "head_birth_year", "site"], name="household_skeleton_site_idx"),
            models.Index(fields=["phone_key"], name="household_phone_key_idx"),
            models.Index(fields=["id_document_key"], name="household_id_document_key_idx"),
            models.Index(fields=["changed_at", "id"], name="household_changed_idx"),  # the change feed
        ]

    def __str__(self) -> str:
        return self.display_code

    def save(self, *args, **kwargs) -> None:
        self.refresh_match_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "head_name_key",
                "head_name_skeleton",
                "phone_key",
                "id_document_key",
            }
        super().save(*args, **kwargs)

    @property
    def display_code(self) -> str:
        return codes.display(self.registration_code)

    def refresh_match_keys(self) -> None:
        self.head_name_key = matching.name_key(self.head_name)
        self.head_name_skeleton = matching.name_skeleton(self.head_name)
        self.phone_key = matching.phone_key(self.phone)
        self.id_document_key = matching.id_document_key(self.id_document_type, self.id_document_number)


class DuplicateReview(models.Model):
    """A registration that resembles an existing household, waiting for a manager's decision.

    HELD: the likelihood was above the high threshold; nothing was created, the submitted fields wait here.
    FLAGGED: between the thresholds; the household was created and is shown to reviewers.
    """

    class Kind(models.TextChoices):
        HELD = "held", _("Held as a probable duplicate")
        FLAGGED = "flagged", _("Registered, flagged for review")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        DISTINCT = "distinct", _("Confirmed distinct")
        MERGED = "merged", _("Merged")
        DISCARDED = "discarded", _("Discarded as a duplicate")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="duplicate_reviews"
    )
    candidate = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="resembling_reviews")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="+")
    likelihood = models.FloatField(_("likelihood"))
    reasons = models.JSONField(_("reasons"), default=list)
    submitted_fields = models.JSONField(_("submitted fields"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-likelihood", "id"]
        verbose_name = _("duplicate review")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="flagged", household__isnull=False)
                | Q(kind="held", household__isnull=True)
                | Q(kind="held", status="distinct", household__isnull=False),
                name="duplicatereview_household_when_registered",
            ),
            models.CheckConstraint(
                condition=Q(likelihood__gte=0, likelihood__lte=1), name="duplicatereview_likelihood_range"
            ),
        ]
        indexes = [models.Index(fields=["status", "site"], name="duplicatereview_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.candidate_id} ({self.likelihood:.0%})"


class HouseholdMerge(models.Model):
    """History: a duplicate registration merged into the household that was kept."""

    kept = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="merges_merged")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    receipts_moved = models.PositiveIntegerField(default=0)
    receipts_voided = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            models.UniqueConstraint(fields=["merged"], name="householdmerge_merged_once"),
            models.CheckConstraint(condition=~Q(kept=F("merged")), name="householdmerge_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} merged into {self.kept_id}"


class ColumnMapping(models.Model):
    """How the headers of one source's files map to household fields, remembered for its next file."""

    source = models.CharField(_("source"), max_length=200, unique=True)
    mapping = models.JSONField(_("mapping"), default=dict)  # header in the file -> field name
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.source


class ImportJob(models.Model):
    """A registration list being validated, then imported in batches by a Celery job.

    `committed_through` is the resume cursor: the last data row whose outcome is committed.
    A batch's households, its row outcomes and the cursor are written in one transaction.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for the column mapping")
        VALIDATING = "validating", _("Checking the rows")
        VALIDATED = "validated", _("Checked, ready to import")
        IMPORTING = "importing", _("Importing")
        COMPLETED = "completed", _("Imported")
        FAILED = "failed", _("Stopped by an error")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    source = models.CharField(_("source"), max_length=200)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.MAPPING)
    import_after_validation = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    committed_through = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    flagged_count = models.PositiveIntegerField(default=0)
    held_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # When its current step (check or import) was handed to the queue; null: not yet, or the broker
    # was away, and the sweep sends it again (beneficiaries.imports.jobs.sweep_unsent_jobs).
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["mapping", "validating", "validated", "importing", "completed", "failed"]),
                name="importjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.invalid_rows


class ImportRow(models.Model):
    """The outcome of one data row. (job, row_number) is unique: a resumed import never writes a row twice."""

    class Outcome(models.TextChoices):
        INVALID = "invalid", _("Refused")
        CREATED = "created", _("Registered")
        FLAGGED = "flagged", _("Registered, flagged for review")
        HELD = "held", _("Held as a probable duplicate")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()  # as the spreadsheet numbers it (the header is row 1)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    errors = models.JSONField(default=list)  # [{"column": header, "reason": plain words}]
    # What was read differently from what was typed, the row accepted: [{"column": header, "note": plain words}]
    notes = models.JSONField(default=list, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    review = models.ForeignKey(DuplicateReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="importrow_once_per_job")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.outcome}"


class ExternalSubmission(models.Model):
    """A submission pushed by KoboToolbox (REST Services), stored once per submission UUID."""

    source = models.CharField(max_length=200)
    submission_uuid = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=ImportRow.Outcome.choices)
    errors = models.JSONField(default=list)
    notes = models.JSONField(default=list, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    review = models.ForeignKey(DuplicateReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "submission_uuid"], name="externalsubmission_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.submission_uuid}"
