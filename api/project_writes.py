"""Writes on projects and their targets (with periods), for administrators and programme managers: POST and
PATCH on /projects/, and /targets/ (read and write). Rules in projects/services.py."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from accounts import selectors as scope
from accounts.models import Organisation
from api import pagination, views
from api.base import PartnerApiMixin
from api.serializers import CodeField, ProjectSerializer, ScopedSlugField, StrictModelSerializer, TargetSerializer
from api.writes import ServiceWritesMixin
from kits.models import KitType
from projects import services
from projects.models import ActivityIndicator, Project, Target, TargetPeriod
from sites.models import AdminArea


class ProjectWriteSerializer(StrictModelSerializer):
    """A project to create or change; organisations by name, areas by P-code. Lists given replace."""

    # CodeField: a name holding a NUL character is an invalid name, not a database error.
    donor = CodeField(slug_field="name", queryset=Organisation.objects.all())
    lead_organisation = CodeField(slug_field="name", queryset=Organisation.objects.all())
    implementing_partners = CodeField(slug_field="name", queryset=Organisation.objects.all(), many=True, required=False)
    admin_areas = CodeField(slug_field="pcode", queryset=AdminArea.objects.all(), many=True, required=False)

    class Meta:
        model = Project
        fields = [*services.PROJECT_FIELDS, "implementing_partners", "admin_areas"]
        extra_kwargs = {"code": {"validators": []}}  # a code in use is the service's 400 (model validation)


class TargetPeriodWriteSerializer(StrictModelSerializer):
    class Meta:
        model = TargetPeriod
        fields = ["period_start", "period_end", "target_value"]


def _managed_projects(user):
    return scope.visible_projects(user) if scope.can_manage_projects(user) else Project.objects.none()


class TargetWriteSerializer(StrictModelSerializer):
    """A target: its project by code (fixed once created), kit type by code, area by P-code; `periods`, when
    given, replace the target's periods."""

    project = ScopedSlugField(_managed_projects, slug_field="code")
    kit_type = CodeField(slug_field="code", queryset=KitType.objects.all(), allow_null=True, required=False)
    admin_area = CodeField(slug_field="pcode", queryset=AdminArea.objects.all(), allow_null=True, required=False)
    # An activity indicator (issue 21) by id, among those of projects you manage.
    activity_indicator = serializers.PrimaryKeyRelatedField(
        queryset=ActivityIndicator.objects.none(), allow_null=True, required=False
    )
    periods = TargetPeriodWriteSerializer(many=True, required=False, max_length=120)

    class Meta:
        model = Target
        fields = ["project", *services.TARGET_FIELDS, "periods"]

    def get_fields(self):
        fields = super().get_fields()
        if request := self.context.get("request"):  # none while the schema is generated
            projects = _managed_projects(request.user).values("pk")
            fields["activity_indicator"].queryset = ActivityIndicator.objects.filter(project__in=projects)
        return fields


class TargetReadSerializer(TargetSerializer):
    project = serializers.CharField(source="project.code", read_only=True)

    class Meta(TargetSerializer.Meta):
        fields = ["id", "project", *TargetSerializer.Meta.fields[1:]]


@extend_schema_view(
    list=extend_schema(description="Projects in your scope with their targets and headline progress."),
    retrieve=extend_schema(description="One project in your scope with its targets and headline progress."),
    create=extend_schema(
        request=ProjectWriteSerializer,
        responses={201: ProjectSerializer},
        description="Create a project (administrators and programme managers; a manager is assigned to it).",
    ),
    partial_update=extend_schema(
        request=ProjectWriteSerializer,
        responses={200: ProjectSerializer},
        description="Change a project; `admin_areas` and `implementing_partners`, when given, replace them.",
    ),
)
class ProjectViewSet(ServiceWritesMixin, views.ProjectViewSet):
    write_serializer_class = ProjectWriteSerializer
    may_write = staticmethod(scope.can_manage_projects)

    def create_with(self, validated: dict, user):
        return services.create_project(created_by=user, **validated)

    def update_with(self, project, validated: dict, user):
        return services.update_project(project, updated_by=user, **validated)


@extend_schema_view(
    list=extend_schema(description="Targets of the projects in your scope, with their periods."),
    retrieve=extend_schema(description="One target with its periods."),
    create=extend_schema(
        request=TargetWriteSerializer,
        responses={201: TargetReadSerializer},
        description="Set a target of a project you manage, with its periods (administrators and programme managers).",
    ),
    partial_update=extend_schema(
        request=TargetWriteSerializer,
        responses={200: TargetReadSerializer},
        description="Change a target; `periods`, when given, replace its periods. Its project is fixed.",
    ),
)
class TargetViewSet(ServiceWritesMixin, PartnerApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TargetReadSerializer
    write_serializer_class = TargetWriteSerializer
    pagination_class = pagination.KeysetPagination
    lookup_value_regex = views.ID_PATTERN
    may_write = staticmethod(scope.can_manage_projects)

    def get_queryset(self):
        return (
            Target.objects.filter(project__in=scope.visible_progress_projects(self.request.user).values("pk"))
            .select_related("project", "kit_type", "admin_area", "activity_indicator")
            .prefetch_related("periods")
        )

    def create_with(self, validated: dict, user):
        return services.create_target(created_by=user, **validated)

    def update_with(self, target, validated: dict, user):
        if "project" in validated and validated.pop("project") != target.project:
            raise serializers.ValidationError({"project": ["A target's project is fixed."]})
        return services.update_target(target, updated_by=user, **validated)
