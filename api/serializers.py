"""Shapes of the partner API. Validation of shape only: the rules live in the apps' services."""

import copy

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import selectors as scope
from beneficiaries import codes
from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, DisplacementStatus, Household, Sex
from beneficiaries.pseudonyms import household_pseudonym
from distributions.models import Distribution, DistributionItem, Receipt, VerificationMethod
from kits.models import KitType
from projects.disclosure import staff_name
from projects.models import Project, Target, TargetPeriod
from sites.models import AdminArea, Site

MAX_BULK_ITEMS = 1000
MAX_MEMBERS_PER_BAND = 100


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error, not silently ignored: a typo in a partner's payload is caught."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    pass


def _user_of(serializer) -> object:
    return serializer.context["request"].user


class CodeField(serializers.SlugRelatedField):
    """A foreign key named by its code. A NUL character (PostgreSQL refuses it in text) is an invalid code."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class ScopedSlugField(CodeField):
    """A foreign key named by its code, looked up only within the requesting user's scope."""

    def __init__(self, scoped, **kwargs):
        self.scoped = scoped
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scoped(self.context["request"].user)


class AreaRefSerializer(serializers.Serializer):
    pcode = serializers.CharField()
    name = serializers.CharField()


# --- reference data -----------------------------------------------------------------------------


class AdminAreaSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="pcode", read_only=True, allow_null=True)

    class Meta:
        model = AdminArea
        fields = ["pcode", "name", "level", "parent", "country_code", "valid_from"]


class SiteSerializer(serializers.ModelSerializer):
    admin_area = AreaRefSerializer(read_only=True)
    admin1 = AreaRefSerializer(read_only=True, allow_null=True)
    admin2 = AreaRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "name",
            "site_type",
            "status",
            "admin_area",
            "admin1",
            "admin2",
            "latitude",
            "longitude",
            "population_households",
            "population_individuals",
            "population_as_of",
        ]


class KitItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit = serializers.CharField()


class KitTypeSerializer(serializers.ModelSerializer):
    items = KitItemSerializer(many=True, read_only=True)

    class Meta:
        model = KitType
        fields = ["code", "name", "category", "description", "is_active", "items"]


# --- projects -----------------------------------------------------------------------------------


class TargetPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetPeriod
        fields = ["period_start", "period_end", "target_value"]


class TargetSerializer(serializers.ModelSerializer):
    kit_type = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    admin_area = serializers.SlugRelatedField(slug_field="pcode", read_only=True, allow_null=True)
    periods = TargetPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "indicator",
            "kit_type",
            "kit_category",
            "admin_area",
            "activity_indicator",
            "target_value",
            "periods",
        ]


class ProjectListSerializer(serializers.ListSerializer):
    """Computes the headline progress of a whole page of projects in three queries."""

    def to_representation(self, data):
        from api.progress import headline_for

        projects = list(data.all() if hasattr(data, "all") else data)
        self.child.context["headline"] = headline_for(
            Project.objects.filter(pk__in=[p.pk for p in projects]), self.context["request"].user
        )
        return super().to_representation(projects)


class ProjectSerializer(serializers.ModelSerializer):
    """A project with its targets. Extend by adding fields to Meta.fields (e.g. progress figures)."""

    donor = serializers.CharField(source="donor.name", read_only=True)
    lead_organisation = serializers.CharField(source="lead_organisation.name", read_only=True)
    implementing_partners = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    admin_areas = serializers.SlugRelatedField(slug_field="pcode", many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "title",
            "status",
            "donor",
            "lead_organisation",
            "implementing_partners",
            "start_date",
            "end_date",
            "admin_areas",
            "targets",
            "progress",
        ]
        list_serializer_class = ProjectListSerializer

    def get_progress(self, project) -> dict:
        """Headline progress (kits against kits targets, households and individuals reached, activity targets)."""
        from api.progress import headline_for

        headline = self.context.get("headline") or headline_for(
            Project.objects.filter(pk=project.pk), self.context["request"].user
        )
        return headline.get(project.pk, {})


# --- distributions ------------------------------------------------------------------------------


class DistributionItemSerializer(StrictModelSerializer):
    kit_type = CodeField(slug_field="code", queryset=KitType.objects.all())
    planned_quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    entitlement_quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    entitlement_maximum = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)

    class Meta:
        model = DistributionItem
        fields = ["kit_type", "planned_quantity", "entitlement_basis", "entitlement_quantity", "entitlement_maximum"]


def _plannable_projects(user):
    return scope.visible_projects(user) if scope.can_plan_distributions(user) else Project.objects.none()


class DistributionSerializer(StrictModelSerializer):
    project = ScopedSlugField(_plannable_projects, slug_field="code")
    site = ScopedSlugField(scope.visible_sites, slug_field="code")
    items = DistributionItemSerializer(many=True, required=False, max_length=200)

    class Meta:
        model = Distribution
        fields = ["id", "project", "site", "name", "planned_start", "planned_end", "status", "created_at", "items"]
        read_only_fields = ["id", "created_at"]


# --- households ---------------------------------------------------------------------------------

PERSONAL_FIELDS = (
    "head_name",
    "head_birth_year",
    "phone",
    "id_document_type",
    "id_document_number",
    "consent_given",
    "consent_date",
)
FIGURE_FIELDS = ("household_size", "displacement_status", *SADD_FIELDS, *VULNERABILITY_FIELDS)


class HouseholdSummarySerializer(serializers.ModelSerializer):
    """A household without personal data."""

    registration_code = serializers.CharField(source="display_code", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "registration_code",
            "site",
            "head_sex",
            *FIGURE_FIELDS,
            "is_active",
            "merged_into",
            "registered_at",
            "updated_at",
            "changed_at",
        ]


class HouseholdSerializer(HouseholdSummarySerializer):
    """A household with personal data, for roles that may see it."""

    class Meta(HouseholdSummarySerializer.Meta):
        fields = [*HouseholdSummarySerializer.Meta.fields, *PERSONAL_FIELDS]


class HouseholdWriteSerializer(StrictModelSerializer):
    """Registration and edits: the fields of beneficiaries.services.EDITABLE_FIELDS, the site by its code."""

    site = ScopedSlugField(scope.visible_sites, slug_field="code")
    head_sex = serializers.ChoiceField(choices=Sex.choices)
    displacement_status = serializers.ChoiceField(choices=DisplacementStatus.choices)
    head_birth_year = serializers.IntegerField(min_value=1900, max_value=2100)
    household_size = serializers.IntegerField(min_value=1, max_value=8 * MAX_MEMBERS_PER_BAND, required=False)

    class Meta:
        model = Household
        fields = [
            "head_name",
            "head_sex",
            "head_birth_year",
            "site",
            "household_size",
            "displacement_status",
            *SADD_FIELDS,
            *VULNERABILITY_FIELDS,
            "phone",
            "id_document_type",
            "id_document_number",
            "consent_given",
            "consent_date",
            "is_active",
        ]
        extra_kwargs = {name: {"min_value": 0, "max_value": MAX_MEMBERS_PER_BAND} for name in SADD_FIELDS}


# --- receipts -----------------------------------------------------------------------------------


class FieldsBuiltOnce:
    """A read-only ModelSerializer whose fields are built once per class, and copied for each instance (each
    instance binds its own copies to itself). ModelSerializer introspects the model for every instance, 0.5 ms
    of the 0.7 ms a receipt's answer took to serialise; DRF's deep copy of each field (its __init__ run again)
    took most of the rest. A shallow copy shares the unbound field's arguments and validators, which reading
    an instance never changes."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built  # a race builds it twice, to the same result
        return {name: copy.copy(field) for name, field in built.items()}


class ReceiptSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A receipt. The household's code, a proxy's name and the void reason only for roles that may see
    personal data (accounts.selectors.can_see_personal_data)."""

    distribution = serializers.IntegerField(source="distribution_id", read_only=True)
    project = serializers.CharField(source="distribution.project.code", read_only=True)
    household = serializers.SerializerMethodField()
    household_pseudonym = serializers.SerializerMethodField()
    kit_type = serializers.CharField(source="kit_type.code", read_only=True)
    kit_category = serializers.CharField(source="kit_type.category", read_only=True)
    recorded_by = serializers.SerializerMethodField()
    proxy_name = serializers.SerializerMethodField()
    site = serializers.CharField(source="site.code", read_only=True)
    admin1 = serializers.SlugRelatedField(slug_field="pcode", read_only=True, allow_null=True)
    admin2 = serializers.SlugRelatedField(slug_field="pcode", read_only=True, allow_null=True)
    is_voided = serializers.BooleanField(read_only=True)
    void_reason = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = [
            "id",
            "client_uuid",
            "distribution",
            "project",
            "household",
            "household_pseudonym",
            "kit_type",
            "kit_category",
            "quantity",
            "verification_method",
            "proxy_name",
            "received_at",
            "recorded_at",
            "recorded_by",
            "site",
            "admin1",
            "admin2",
            "household_size",
            "displacement_status",
            "is_voided",
            "voided_at",
            "void_reason",
            "changed_at",
        ]

    def _personal(self) -> bool:
        if "personal" not in self.context:
            self.context["personal"] = scope.can_see_personal_data(self.context["request"].user)
        return self.context["personal"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_household(self, receipt: Receipt) -> str | None:
        return receipt.household.display_code if self._personal() else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_household_pseudonym(self, receipt: Receipt) -> str | None:
        """For roles without personal data: a keyed hash, the same for each of the household's receipts."""
        return None if self._personal() else household_pseudonym(receipt.household.registration_code)

    @extend_schema_field(serializers.CharField())
    def get_proxy_name(self, receipt: Receipt) -> str:
        return receipt.proxy_name if self._personal() else ""

    @extend_schema_field(serializers.CharField())
    def get_void_reason(self, receipt: Receipt) -> str:
        """Typed by an officer ("wrong household: it was Awa's sister"): personal data like a name."""
        return receipt.void_reason if self._personal() else ""

    @extend_schema_field(serializers.CharField())
    def get_recorded_by(self, receipt: Receipt) -> str:
        """A staff member's name: blank for roles without personal data (projects.disclosure.staff_name)."""
        return staff_name(receipt.recorded_by, self.context["request"].user)


class ReceiptCreateSerializer(StrictSerializer):
    """One receipt as a device sends it (the shared bulk contract)."""

    client_uuid = serializers.UUIDField(
        required=False, help_text="Generated on the device; makes a resubmission harmless."
    )
    distribution = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    household = serializers.CharField(max_length=40, help_text="Registration code in any typed form, e.g. K7Q3-9X2M-H.")
    kit_type = serializers.CharField(max_length=30, help_text="Kit type code, e.g. ESK-ML.")
    quantity = serializers.IntegerField(
        min_value=1, max_value=32767, required=False, help_text="Default: the entitlement."
    )
    verification_method = serializers.ChoiceField(choices=VerificationMethod.choices)
    proxy_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, help_text="Default: now.")

    def validate_household(self, value: str) -> str:
        normalised = codes.normalise(value)
        if not codes.is_valid(normalised):
            raise serializers.ValidationError(_("This is not a valid registration code (check the characters)."))
        return normalised


class BulkReceiptsRequestSerializer(StrictSerializer):
    receipts = ReceiptCreateSerializer(many=True, max_length=MAX_BULK_ITEMS, min_length=1)


class ExistingReceiptSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField()
    recorded_by = serializers.CharField()
    receipt_id = serializers.IntegerField()


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    client_uuid = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "already_recorded", "refused"])
    receipt = ReceiptSerializer(required=False)
    code = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    existing = ExistingReceiptSerializer(required=False)


class BulkReceiptsResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)


class VoidSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
