"""Writes on sites (a registration system pushes its CCCM/DTM site list) and on administrative areas
(administrators): POST and PATCH on /sites/ and /admin-areas/. Rules in sites/services.py."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from accounts import selectors as scope
from api import views
from api.serializers import AdminAreaSerializer, CodeField, SiteSerializer, StrictModelSerializer
from api.writes import ServiceWritesMixin
from sites import services
from sites.models import AdminArea, Site


class SiteWriteSerializer(StrictModelSerializer):
    """A site to create or change; the area by its P-code. `code` and `admin_area` are fixed once created."""

    admin_area = CodeField(slug_field="pcode", queryset=AdminArea.objects.all())
    # The database's range checks, as field errors (a constraint alone answers without naming the field).
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, allow_null=True, required=False
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, allow_null=True, required=False
    )

    class Meta:
        model = Site
        fields = list(services.SITE_FIELDS)
        extra_kwargs = {"code": {"validators": []}}  # a code in use is the service's 400 (model validation)


class AdminAreaWriteSerializer(StrictModelSerializer):
    """An area to create or rename; the parent by its P-code. Only `name` and `valid_from` change later."""

    parent = CodeField(slug_field="pcode", queryset=AdminArea.objects.all(), allow_null=True, required=False)
    country_code = serializers.CharField(max_length=3, required=False)

    class Meta:
        model = AdminArea
        fields = list(services.AREA_FIELDS)
        extra_kwargs = {"pcode": {"validators": []}}


@extend_schema_view(
    list=extend_schema(description="Sites in your scope."),
    retrieve=extend_schema(description="One site in your scope."),
    create=extend_schema(
        request=SiteWriteSerializer,
        responses={201: SiteSerializer},
        description="Create a site (administrators, programme managers and partner systems; outside "
        "administrators, in an area your projects cover).",
    ),
    partial_update=extend_schema(
        request=SiteWriteSerializer,
        responses={200: SiteSerializer},
        description="Change a site: name, type, status, position, population figures, time zone. Its code and "
        "area are fixed.",
    ),
)
class SiteViewSet(ServiceWritesMixin, views.SiteViewSet):
    write_serializer_class = SiteWriteSerializer
    may_write = staticmethod(scope.can_manage_sites)

    def create_with(self, validated: dict, user):
        return services.create_site(created_by=user, **validated)

    def update_with(self, site, validated: dict, user):
        return services.update_site(site, updated_by=user, **validated)


@extend_schema_view(
    list=extend_schema(description="Administrative areas by OCHA P-code (reference data, visible to every account)."),
    retrieve=extend_schema(description="One administrative area by its P-code."),
    create=extend_schema(
        request=AdminAreaWriteSerializer,
        responses={201: AdminAreaSerializer},
        description="Create an administrative area (administrators): below the country, the parent is one "
        "level up and the country is the parent's.",
    ),
    partial_update=extend_schema(
        request=AdminAreaWriteSerializer,
        responses={200: AdminAreaSerializer},
        description="Rename an area or change its valid-from date (administrators); P-code, level, parent and "
        "country are fixed.",
    ),
)
class AdminAreaViewSet(ServiceWritesMixin, views.AdminAreaViewSet):
    write_serializer_class = AdminAreaWriteSerializer
    may_write = staticmethod(scope.can_manage_admin_areas)
    denied_message = "Only administrators change administrative areas."

    def create_with(self, validated: dict, user):
        return services.create_admin_area(**validated)

    def update_with(self, area, validated: dict, user):
        return services.update_admin_area(area, **validated)
