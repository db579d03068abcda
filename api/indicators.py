"""Activity indicators and their results (issue 21): /indicators/ (read; managers write) and
/indicator-results/ (report, correct, approve, return). Rules in projects/indicators/services.py, scope in
accounts/selectors.py. Evidence files are uploaded on the result's page (this API is JSON only); a result
says whether it has one."""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from accounts import selectors as scope
from accounts.models import Organisation
from api import pagination, views
from api.base import PartnerApiMixin
from api.project_writes import _managed_projects
from api.serializers import CodeField, ScopedSlugField, StrictModelSerializer, StrictSerializer
from api.writes import ServiceWritesMixin
from projects.indicators import services
from projects.indicators.models import RESULT_SADD_FIELDS, ActivityIndicator, IndicatorResult
from sites.models import AdminArea
from stock.models import StockMovement


class IndicatorSerializer(StrictModelSerializer):
    """An activity indicator: its project by code (fixed once created)."""

    project = ScopedSlugField(_managed_projects, slug_field="code")

    class Meta:
        model = ActivityIndicator
        fields = ["id", "project", *services.INDICATOR_FIELDS]
        read_only_fields = ["id"]


class IndicatorReadSerializer(IndicatorSerializer):
    project = serializers.CharField(source="project.code", read_only=True)


@extend_schema_view(
    list=extend_schema(description="Activity indicators of the projects in your scope (issue 21)."),
    retrieve=extend_schema(description="One activity indicator."),
    create=extend_schema(
        request=IndicatorSerializer,
        responses={201: IndicatorReadSerializer},
        description="Define an activity indicator of a project you manage; set its targets on /targets/.",
    ),
    partial_update=extend_schema(
        request=IndicatorSerializer,
        responses={200: IndicatorReadSerializer},
        description="Change an activity indicator's names, unit or disaggregation. Its project is fixed.",
    ),
)
class IndicatorViewSet(ServiceWritesMixin, PartnerApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = IndicatorReadSerializer
    write_serializer_class = IndicatorSerializer
    pagination_class = pagination.KeysetPagination
    lookup_value_regex = views.ID_PATTERN
    may_write = staticmethod(scope.can_manage_projects)

    def get_queryset(self):
        return scope.visible_activity_indicators(self.request.user).select_related("project")

    def create_with(self, validated: dict, user):
        return services.create_indicator(created_by=user, **validated)

    def update_with(self, indicator, validated: dict, user):
        if "project" in validated and validated.pop("project") != indicator.project:
            raise serializers.ValidationError({"project": ["An indicator's project is fixed."]})
        return services.update_indicator(indicator, updated_by=user, **validated)


class ResultFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=IndicatorResult.Status.choices)
    indicator = django_filters.NumberFilter(field_name="indicator_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = IndicatorResult
        fields = ["status", "indicator"]


class ResultSerializer(StrictModelSerializer):
    """A result: site by code or area by P-code, the four sex-and-age groups optional (all or none, adding up
    to the quantity), `handover_to` the organisation's name for an institutional handover."""

    indicator = serializers.PrimaryKeyRelatedField(queryset=ActivityIndicator.objects.none())
    site = ScopedSlugField(scope.visible_sites, slug_field="code", allow_null=True, required=False)
    admin_area = CodeField(slug_field="pcode", queryset=AdminArea.objects.all(), allow_null=True, required=False)
    handover_to = CodeField(
        slug_field="name", queryset=Organisation.objects.all(), allow_null=True, required=False, write_only=True
    )
    handover_movement = serializers.PrimaryKeyRelatedField(
        queryset=StockMovement.objects.none(),
        allow_null=True,
        required=False,
        write_only=True,
        help_text="The stock issue (a movement of kind 'issued') the handover came from, where stock is tracked.",
    )

    class Meta:
        model = IndicatorResult
        fields = ["indicator", "client_uuid", *services.RESULT_FIELDS, "handover_to", "handover_movement"]
        extra_kwargs = {"client_uuid": {"required": False, "validators": []}}

    def get_fields(self):
        fields = super().get_fields()
        if request := self.context.get("request"):  # none while the schema is generated
            fields["indicator"].queryset = scope.visible_activity_indicators(request.user)
            fields["handover_movement"].queryset = scope.visible_stock_movements(request.user)
        return fields


class ResultReadSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="indicator.project.code", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    admin_area = serializers.SlugRelatedField(slug_field="pcode", read_only=True, allow_null=True)
    handover_to = serializers.SerializerMethodField()
    handover_movement = serializers.SerializerMethodField()
    has_evidence = serializers.SerializerMethodField()
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True)

    class Meta:
        model = IndicatorResult
        fields = [
            "id",
            "project",
            "indicator",
            "client_uuid",
            "date",
            "site",
            "admin_area",
            "quantity",
            *RESULT_SADD_FIELDS,
            "note",
            "status",
            "return_reason",
            "handover_to",
            "handover_movement",
            "has_evidence",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
        ]

    def get_handover_to(self, result) -> str | None:
        handover = getattr(result, "handover", None)
        return handover.organisation.name if handover else None

    def get_handover_movement(self, result) -> int | None:
        handover = getattr(result, "handover", None)
        return handover.stock_movement_id if handover else None

    def get_has_evidence(self, result) -> bool:
        return bool(result.evidence)


class MayReportResults(BasePermission):
    """Result entries (notes, staff, evidence): 403 for roles that neither report nor review them."""

    message = gettext_lazy("Your role does not report activity results: see the progress figures.")

    def has_permission(self, request, view) -> bool:
        return scope.can_report_results(request.user)


class ReturnSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


@extend_schema_view(
    list=extend_schema(description="Activity results at your sites (officers) or of your projects (managers)."),
    retrieve=extend_schema(description="One activity result with its review."),
    create=extend_schema(
        request=ResultSerializer,
        responses={201: ResultReadSerializer},
        description="Report an activity result (submitted; it counts once approved). A `client_uuid` seen "
        "before returns the stored result.",
    ),
    partial_update=extend_schema(
        request=ResultSerializer,
        responses={200: ResultReadSerializer},
        description="Correct a submitted or returned result: it is submitted again. An approved result is final.",
    ),
)
class ResultViewSet(ServiceWritesMixin, PartnerApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ResultReadSerializer
    permission_classes = [IsAuthenticated, MayReportResults]
    write_serializer_class = ResultSerializer
    pagination_class = pagination.NewestFirstPagination
    filterset_class = ResultFilter
    lookup_value_regex = views.ID_PATTERN
    may_write = staticmethod(scope.can_report_results)

    def get_queryset(self):
        return scope.visible_indicator_results(self.request.user).select_related(
            "indicator__project", "site", "admin_area", "handover__organisation", "submitted_by", "reviewed_by"
        )

    def create_with(self, validated: dict, user):
        indicator = validated.pop("indicator")
        return services.report_result(reported_by=user, indicator=indicator, **validated)

    def update_with(self, result, validated: dict, user):
        for fixed in ("indicator", "client_uuid", "handover_to", "handover_movement"):
            if fixed in validated:
                raise serializers.ValidationError({fixed: ["Fixed once reported."]})
        return services.correct_result(result, corrected_by=user, **validated)

    def _reviewable(self) -> IndicatorResult:
        """The result, for a user who may review results (404 out of scope, 403 for another role)."""
        result = self.get_object()
        if not scope.can_review_results(self.request.user):
            raise PermissionDenied(_("Your role may not review results."))
        return result

    def _review(self, result: IndicatorResult, approve: bool, reason: str = ""):
        reviewed = services.review_result(result, reviewed_by=self.request.user, approve=approve, reason=reason)
        return Response(self.serializer_class(self.get_queryset().get(pk=reviewed.pk)).data)

    @extend_schema(request=None, responses={200: ResultReadSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a submitted result (managers; not your own): from now on it counts."""
        return self._review(self._reviewable(), approve=True)

    @extend_schema(request=ReturnSerializer, responses={200: ResultReadSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        """Return a submitted result with the reason: the reporter corrects it and submits it again."""
        result = self._reviewable()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._review(result, approve=False, reason=serializer.validated_data["reason"])
