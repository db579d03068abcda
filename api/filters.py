"""What partners filter on. Unknown codes (P-codes, site codes) are a 400, not an empty page."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError as FormValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from accounts import selectors as scope
from api.changes import FEED_HELP
from beneficiaries import codes
from beneficiaries.models import VULNERABILITY_FIELDS, DisplacementStatus, Household
from beneficiaries.selectors import search_q
from distributions.models import Distribution, Receipt
from kits.models import KitCategory, KitType
from projects.models import Project
from sites.models import AdminArea, Site

MAX_ID = 2**63 - 1


class BoundedModelChoiceField(forms.ModelChoiceField):
    """An id outside the database's integer range, or a code with a NUL character (which PostgreSQL
    refuses in text), is an invalid choice, not a database error."""

    def to_python(self, value):
        if isinstance(value, str) and "\x00" in value:
            raise FormValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if value not in self.empty_values and self.to_field_name is None:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if not 1 <= number <= MAX_ID:
                raise FormValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date and time, given to the database in UTC.

    Python accepts UTC offsets up to 24 hours, PostgreSQL up to about 16: `…T03:35:03-18:35` answered 500
    (found by the stateful schemathesis run, issue 12). In UTC any valid offset is fine; a date the
    conversion cannot represent (year 1 or 9999 at the edge) is an invalid value, not an overflow.
    """

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# One date-range convention for the whole API (issue 18; README "Dates and ranges"): `<x>_after` and
# `<x>_before` bound an instant half-open, `[after, before)`: `_after` is included, `_before` is not, so
# consecutive pulls (`received_after` = the previous `received_before`) neither miss nor repeat a row. A
# date alone means 00:00 at the start of that day (server time zone, UTC by default): `received_before=
# 2024-07-17` stops before 17 July, on the receipts list and on the 3W export alike. Whole periods of
# calendar days, both ends included, are named `start`/`end` or `period_start`/`period_end` instead.
AFTER_HELP = (
    "Included: on or after this instant (ISO 8601; a date alone means 00:00 that day). Ranges are [after, before)."
)
BEFORE_HELP = (
    "Excluded: strictly before this instant (ISO 8601; a date alone means 00:00 that day, so that day is not included)."
)


def after_filter(field_name: str) -> UtcIsoDateTimeFilter:
    """The `<x>_after` bound of the API's one date-range convention: `field_name >= value`."""
    return UtcIsoDateTimeFilter(field_name=field_name, lookup_expr="gte", help_text=AFTER_HELP)


def before_filter(field_name: str) -> UtcIsoDateTimeFilter:
    """The `<x>_before` bound of the API's one date-range convention: `field_name < value`."""
    return UtcIsoDateTimeFilter(field_name=field_name, lookup_expr="lt", help_text=BEFORE_HELP)


class ChoiceOfFilter(django_filters.ModelChoiceFilter):
    field_class = BoundedModelChoiceField


def _given(request, parameter: str) -> bool:
    # The scoped choices only check a value the request gives: building their subqueries for every
    # list request cost about a quarter of a household page's Python.
    return request is not None and parameter in request.GET


def _sites_of(request):
    return scope.visible_sites(request.user) if _given(request, "site") else Site.objects.none()


def _projects_of(request):
    return scope.visible_projects(request.user) if _given(request, "project") else Project.objects.none()


def _distributions_of(request):
    return scope.visible_distributions(request.user) if _given(request, "distribution") else Distribution.objects.none()


def in_area(prefix: str, area: AdminArea) -> Q:
    """Rows whose site lies in an area of any level (country, admin 1, 2 or 3)."""
    if area.level == AdminArea.Level.COUNTRY:
        return Q(**{f"{prefix}admin_area__country_code": area.country_code})
    return Q(**{f"{prefix}admin_area": area}) | Q(**{f"{prefix}admin1": area}) | Q(**{f"{prefix}admin2": area})


class AdminAreaFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=AdminArea.Level.choices)
    country_code = django_filters.CharFilter(max_length=3)
    parent = ChoiceOfFilter(
        queryset=AdminArea.objects.all(), to_field_name="pcode", help_text="P-code of the parent area."
    )

    class Meta:
        model = AdminArea
        fields = ["level", "country_code", "parent"]


class SiteFilter(django_filters.FilterSet):
    admin_area = ChoiceOfFilter(
        queryset=AdminArea.objects.all(), to_field_name="pcode", method="filter_area", help_text="P-code, any level."
    )
    site_type = django_filters.ChoiceFilter(choices=Site.SiteType.choices)
    status = django_filters.ChoiceFilter(choices=Site.Status.choices)

    class Meta:
        model = Site
        fields = ["admin_area", "site_type", "status"]

    @extend_schema_field(OpenApiTypes.STR)
    def filter_area(self, queryset, name, area):
        return queryset.filter(in_area("", area))


class KitTypeFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=KitCategory.choices)

    class Meta:
        model = KitType
        fields = ["category", "is_active"]


class HouseholdFilter(django_filters.FilterSet):
    site = ChoiceOfFilter(queryset=_sites_of, to_field_name="code", help_text="Site code.")
    admin_area = ChoiceOfFilter(
        queryset=AdminArea.objects.all(), to_field_name="pcode", method="filter_area", help_text="P-code, any level."
    )
    displacement_status = django_filters.ChoiceFilter(choices=DisplacementStatus.choices)
    vulnerability = django_filters.ChoiceFilter(
        choices=[(name, name.replace("_", " ")) for name in VULNERABILITY_FIELDS],
        method="filter_vulnerability",
        help_text="Households with this vulnerability flag.",
    )
    registered_after = after_filter("registered_at")
    registered_before = before_filter("registered_at")
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=100,
        help_text="Registration code (any typed form, or its start), name (accents and case ignored) or phone.",
    )
    is_active = django_filters.BooleanFilter()
    changed_after = UtcIsoDateTimeFilter(field_name="changed_at", lookup_expr="gte", help_text=FEED_HELP)

    class Meta:
        model = Household
        fields = ["site", "admin_area", "displacement_status", "vulnerability", "is_active"]

    @extend_schema_field(OpenApiTypes.STR)
    def filter_area(self, queryset, name, area):
        return queryset.filter(in_area("site__", area))

    def filter_vulnerability(self, queryset, name, value):
        return queryset.filter(**{value: True})

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        normalised = codes.normalise(value)
        if codes.is_valid(normalised):
            return queryset.filter(registration_code=normalised)
        return queryset.filter(search_q(value))


class DistributionFilter(django_filters.FilterSet):
    project = ChoiceOfFilter(queryset=_projects_of, to_field_name="code", help_text="Project code.")
    site = ChoiceOfFilter(queryset=_sites_of, to_field_name="code", help_text="Site code.")
    status = django_filters.MultipleChoiceFilter(choices=Distribution.Status.choices)
    # Planned dates are calendar days; the bounds keep the API's convention: `starts_after` included,
    # `ends_before` excluded (a distribution ending on that day is not before it).
    starts_after = django_filters.DateFilter(
        field_name="planned_start", lookup_expr="gte", help_text="Included: planned to start on or after this day."
    )
    ends_before = django_filters.DateFilter(
        field_name="planned_end", lookup_expr="lt", help_text="Excluded: planned to end strictly before this day."
    )

    class Meta:
        model = Distribution
        fields = ["project", "site", "status"]


class ReceiptFilter(django_filters.FilterSet):
    project = ChoiceOfFilter(
        queryset=_projects_of, to_field_name="code", field_name="distribution__project", help_text="Project code."
    )
    distribution = ChoiceOfFilter(queryset=_distributions_of, help_text="Distribution id.")
    site = ChoiceOfFilter(queryset=_sites_of, to_field_name="code", help_text="Site code.")
    admin_area = ChoiceOfFilter(
        queryset=AdminArea.objects.all(), to_field_name="pcode", method="filter_area", help_text="P-code, any level."
    )
    kit_type = ChoiceOfFilter(queryset=KitType.objects.all(), to_field_name="code", help_text="Kit type code.")
    kit_category = django_filters.ChoiceFilter(field_name="kit_type__category", choices=KitCategory.choices)
    household = django_filters.CharFilter(
        method="filter_household", max_length=40, help_text="Registration code, any typed form."
    )
    received_after = after_filter("received_at")
    received_before = before_filter("received_at")
    voided = django_filters.BooleanFilter(field_name="voided_at", lookup_expr="isnull", exclude=True)
    changed_after = UtcIsoDateTimeFilter(field_name="changed_at", lookup_expr="gte", help_text=FEED_HELP)

    class Meta:
        model = Receipt
        fields = ["project", "distribution", "site", "kit_type", "kit_category", "household", "voided"]

    @extend_schema_field(OpenApiTypes.STR)
    def filter_area(self, queryset, name, area):
        if area.level == AdminArea.Level.COUNTRY:
            return queryset.filter(site__admin_area__country_code=area.country_code)
        return queryset.filter(Q(site__admin_area=area) | Q(admin1=area) | Q(admin2=area))

    def filter_household(self, queryset, name, value):
        normalised = codes.normalise(value)
        if not codes.is_valid(normalised):
            raise ValidationError({"household": [_("This is not a valid registration code.")]})
        return queryset.filter(household__registration_code=normalised)
