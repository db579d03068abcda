"""Stock through the partner API (issue 20): movements (list, change feed, record) and stock on hand, so a
logistics system (an agency's ERP) can push receipts and dispatches. Idempotency-Key on POST (api/base.py) and
the client UUID (a movement resubmitted is stored once); `changed_after` turns the list into the change feed
(api/changes.py; movements are never edited, so the feed is their order of recording). Scopes:
accounts.selectors (visible_stock_movements, visible_stock_balances, can_record_movements); rules:
stock.services.record_movement."""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from accounts import selectors as scope
from accounts.models import Organisation
from api import pagination
from api.base import PartnerApiMixin
from api.changes import FEED_HELP, ChangeFeedMixin
from api.filters import MAX_ID, ChoiceOfFilter, UtcIsoDateTimeFilter, _distributions_of
from kits.models import KitType
from stock.models import MovementKind, StockBalance, StockMovement
from stock.services import record_movement


class MaySeeStock(BasePermission):
    message = gettext_lazy("Your role does not see warehouses' stock.")

    def has_permission(self, request, view) -> bool:
        return scope.can_see_stock(request.user)


class StockMovementSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    project = serializers.CharField(source="project.code", read_only=True)
    kit_type = serializers.CharField(source="kit_type.code", read_only=True)
    distribution = serializers.IntegerField(source="distribution_id", read_only=True, allow_null=True)
    organisation = serializers.IntegerField(source="organisation_id", read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id", "kind", "warehouse", "project", "kit_type", "quantity", "occurred_on", "reference", "distribution",
            "organisation", "reason", "client_uuid", "recorded_at", "changed_at",
        ]  # fmt: skip
        read_only_fields = fields


class StockMovementCreateSerializer(serializers.Serializer):
    """A movement to record; codes resolved in the caller's scope (404-free: unknown is a field error)."""

    kind = serializers.ChoiceField(choices=MovementKind.choices)
    warehouse = serializers.CharField(max_length=30, help_text="Warehouse code.")
    project = serializers.CharField(max_length=40, help_text="Project code.")
    kit_type = serializers.CharField(max_length=30, help_text="Kit type code.")
    quantity = serializers.IntegerField(
        min_value=-1_000_000, max_value=1_000_000, help_text="Kits; below zero only for an adjustment after a count."
    )
    occurred_on = serializers.DateField()
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    distribution = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    organisation = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_ID,
        help_text="Organisation id (issued, received).",
    )
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)
    client_uuid = serializers.UUIDField(required=False, allow_null=True, default=None)

    def validate(self, data):
        user = self.context["request"].user
        found = {
            "warehouse": scope.visible_warehouses(user).filter(code=data["warehouse"]).first(),
            "project": scope.visible_stock_projects(user).filter(code=data["project"]).first(),
            "kit_type": KitType.objects.filter(code=data["kit_type"]).first(),
        }
        if data["distribution"] is not None:
            found["distribution"] = scope.visible_dispatch_distributions(user).filter(pk=data["distribution"]).first()
        if data["organisation"] is not None:
            found["organisation"] = Organisation.objects.filter(pk=data["organisation"]).first()
        missing = {name: [_("Not found in your scope.")] for name, value in found.items() if value is None}
        if missing:
            raise serializers.ValidationError(missing)
        return {**data, **found}


class StockCodesFilter(django_filters.FilterSet):
    """Warehouse, project and kit type by code: movements and balances alike."""

    warehouse = django_filters.CharFilter(field_name="warehouse__code", max_length=30, help_text="Warehouse code.")
    project = django_filters.CharFilter(field_name="project__code", max_length=40, help_text="Project code.")
    kit_type = django_filters.CharFilter(field_name="kit_type__code", max_length=30, help_text="Kit type code.")


class MovementFilter(StockCodesFilter):
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)
    distribution = ChoiceOfFilter(queryset=_distributions_of, help_text="Distribution id.")
    changed_after = UtcIsoDateTimeFilter(field_name="changed_at", lookup_expr="gte", help_text=FEED_HELP)

    class Meta:
        model = StockMovement
        fields = ["warehouse", "project", "kit_type", "kind", "distribution"]


class StockMovementViewSet(
    ChangeFeedMixin, PartnerApiMixin, mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Stock movements in your warehouses and projects, newest first; never edited or deleted."""

    permission_classes = [IsAuthenticated, MaySeeStock]
    serializer_class = StockMovementSerializer
    filterset_class = MovementFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = pagination.NewestFirstPagination

    def get_queryset(self):
        return scope.visible_stock_movements(self.request.user).select_related("warehouse", "project", "kit_type")

    def get_serializer_class(self):
        return StockMovementCreateSerializer if self.action == "create" else StockMovementSerializer

    def create(self, request, *args, **kwargs):
        """Record a stock movement (received, dispatched on a waybill, returned, damaged, lost, adjusted, issued):
        201, or 200 with the stored movement when its client_uuid is known."""
        if not scope.can_record_movements(request.user):
            self.permission_denied(request, message=_("Your role may not record stock movements."))
        serializer = StockMovementCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        recorded = record_movement(recorded_by=request.user, **serializer.validated_data)
        movement = self.get_queryset().get(pk=recorded.movement.pk)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(StockMovementSerializer(movement).data, status=code)


class StockBalanceSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    project = serializers.CharField(source="project.code", read_only=True)
    kit_type = serializers.CharField(source="kit_type.code", read_only=True)

    class Meta:
        model = StockBalance
        fields = [
            "id", "warehouse", "project", "kit_type", "received", "dispatched", "returned", "written_off", "issued",
            "adjusted", "on_hand",
        ]  # fmt: skip
        read_only_fields = fields


class BalanceFilter(StockCodesFilter):
    class Meta:
        model = StockBalance
        fields = ["warehouse", "project", "kit_type"]


class StockBalanceViewSet(PartnerApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stock on hand per warehouse, project and kit type in your scope, with the cumulative counters it is
    derived from (on_hand = received − dispatched + returned − written_off − issued + adjusted)."""

    permission_classes = [IsAuthenticated, MaySeeStock]
    serializer_class = StockBalanceSerializer
    filterset_class = BalanceFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = pagination.NewestFirstPagination

    def get_queryset(self):
        return scope.visible_stock_balances(self.request.user).select_related("warehouse", "project", "kit_type")
