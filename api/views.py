"""Partner API views: thin. Reads through api/selectors.py, writes through the apps' services."""

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as scope
from api import filters, pagination, selectors
from api import serializers as api
from api.base import PartnerApiMixin
from api.changes import ChangeFeedMixin
from api.etags import check_if_match, etag_for
from api.problems import ApiProblem
from api.receipts import record_bulk, record_one
from beneficiaries.models import Household
from beneficiaries.services import register_household, update_household
from distributions.plans import create_distribution, update_distribution
from distributions.services import void_receipt
from projects.disclosure import can_see_rows

ID_PATTERN = r"[0-9]{1,18}"


class MayListRows(BasePermission):
    """Row-level endpoints: 403 for donor viewers, promised aggregated figures only (projects/disclosure.py)."""

    message = gettext_lazy("Your role sees aggregated figures only: progress, exports and reports.")

    def has_permission(self, request, view) -> bool:
        return can_see_rows(request.user)


ROW_PERMISSIONS = [IsAuthenticated, MayListRows]
CODE_PATTERN = r"[A-Za-z0-9_.\-]{1,40}"


class ReadOnlyViewSet(PartnerApiMixin, viewsets.ReadOnlyModelViewSet):
    filter_backends = [DjangoFilterBackend]


class TokenView(PartnerApiMixin, APIView):
    """Exchange a username and password for the API token of that account."""

    authentication_classes = []
    permission_classes = [AllowAny]
    public_operation = True

    @extend_schema(request=api.TokenRequestSerializer, responses=api.TokenResponseSerializer, auth=[])
    def post(self, request):
        serializer = api.TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise ApiProblem(400, _("Unable to sign in with these credentials."), "invalid_credentials")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class AdminAreaViewSet(ReadOnlyViewSet):
    """Administrative areas by OCHA P-code (reference data, visible to every account)."""

    serializer_class = api.AdminAreaSerializer
    filterset_class = filters.AdminAreaFilter
    pagination_class = pagination.PcodePagination
    lookup_field = "pcode"
    lookup_value_regex = CODE_PATTERN

    def get_queryset(self):
        return selectors.admin_areas()


class SiteViewSet(ReadOnlyViewSet):
    """Sites in your scope."""

    serializer_class = api.SiteSerializer
    filterset_class = filters.SiteFilter
    pagination_class = pagination.CodePagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.visible_site_rows(self.request.user)


class KitTypeViewSet(ReadOnlyViewSet):
    """Kit types and their contents."""

    serializer_class = api.KitTypeSerializer
    filterset_class = filters.KitTypeFilter
    pagination_class = pagination.CodePagination
    lookup_field = "code"
    lookup_value_regex = CODE_PATTERN

    def get_queryset(self):
        return selectors.kit_types()


class ProjectViewSet(ReadOnlyViewSet):
    """Projects in your scope with their targets."""

    serializer_class = api.ProjectSerializer
    pagination_class = pagination.CodePagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.visible_project_rows(self.request.user)


@extend_schema_view(
    partial_update=extend_schema(
        description="Change a distribution; `items`, when given, replaces the planned kit types."
    ),
)
class DistributionViewSet(
    PartnerApiMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Distributions in your scope with their planned kit types and entitlements."""

    serializer_class = api.DistributionSerializer
    filterset_class = filters.DistributionFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["planned_start", "id"]
    ordering = "-id"
    pagination_class = pagination.NewestFirstPagination
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.visible_distribution_rows(self.request.user)

    def _check_may_plan(self) -> None:
        if not scope.can_plan_distributions(self.request.user):
            raise PermissionDenied(_("Your role may not plan distributions."))

    def _answer(self, distribution, status_code):
        fresh = self.get_queryset().get(pk=distribution.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        self._check_may_plan()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        distribution = create_distribution(created_by=request.user, **serializer.validated_data)
        return self._answer(distribution, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        distribution = self.get_object()
        self._check_may_plan()
        serializer = self.get_serializer(distribution, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        distribution = update_distribution(distribution, updated_by=request.user, **serializer.validated_data)
        return self._answer(distribution, status.HTTP_200_OK)


_ETAG_HEADER = {"ETag": {"description": "The version of this household, for If-Match.", "schema": {"type": "string"}}}


@extend_schema_view(
    retrieve=extend_schema(responses={200: OpenApiResponse(api.HouseholdSerializer)}),
    create=extend_schema(request=api.HouseholdWriteSerializer, responses={201: api.HouseholdSerializer}),
    partial_update=extend_schema(
        request=api.HouseholdWriteSerializer,
        responses={200: api.HouseholdSerializer},
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag from GET: a stale write answers 412 instead of overwriting.",
            )
        ],
    ),
)
class HouseholdViewSet(
    ChangeFeedMixin, PartnerApiMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Households in your scope. Personal fields only for roles that may see personal data."""

    permission_classes = ROW_PERMISSIONS
    honours_if_match = True  # PATCH compares If-Match (api/schema.py documents 412 here only)

    filterset_class = filters.HouseholdFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["id", "registered_at"]
    ordering = "id"
    pagination_class = pagination.KeysetPagination
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.visible_household_rows(self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return api.HouseholdWriteSerializer
        if scope.can_see_personal_data(self.request.user):
            return api.HouseholdSerializer
        return api.HouseholdSummarySerializer

    def _answer(self, household, status_code):
        household = self.get_queryset().get(pk=household.pk)
        serializer = (
            api.HouseholdSerializer
            if scope.can_see_personal_data(self.request.user)
            else api.HouseholdSummarySerializer
        )
        data = serializer(household, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": etag_for(household)})

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object(), status.HTTP_200_OK)

    def create(self, request, *args, **kwargs):
        if not scope.can_register_households(request.user):
            raise PermissionDenied(_("Your role may not register households."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = register_household(registered_by=request.user, **serializer.validated_data)
        response = self._answer(household, status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{household.pk}/"
        return response

    def partial_update(self, request, *args, **kwargs):
        household = self.get_object()
        if not scope.can_register_households(request.user):
            raise PermissionDenied(_("Your role may not edit households."))
        serializer = self.get_serializer(household, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            # Compare versions on the locked row: two editors cannot both pass the check.
            locked = Household.objects.select_for_update().get(pk=household.pk)
            check_if_match(request, locked)
            household = update_household(locked, updated_by=request.user, **serializer.validated_data)
        return self._answer(household, status.HTTP_200_OK)


@extend_schema_view(
    create=extend_schema(
        description="Record a receipt: a household's kit in a distribution. The same `client_uuid` again "
        "answers 200 with the stored receipt (a device's retry), never a second receipt.",
        request=api.ReceiptCreateSerializer,
        responses={
            201: OpenApiResponse(api.ReceiptSerializer, description="Recorded."),
            200: OpenApiResponse(api.ReceiptSerializer, description="This client UUID was recorded before."),
        },
    ),
)
class ReceiptViewSet(ChangeFeedMixin, PartnerApiMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Receipts in your scope, newest first. Never deleted: voided with a reason."""

    permission_classes = ROW_PERMISSIONS

    serializer_class = api.ReceiptSerializer
    filterset_class = filters.ReceiptFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["id", "received_at"]
    ordering = "-id"
    pagination_class = pagination.NewestFirstPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.visible_receipt_rows(self.request.user)

    def _check_may_record(self) -> None:
        if not scope.can_record_receipts(self.request.user):
            raise PermissionDenied(_("Your role may not record receipts."))

    def _represent(self, receipt):
        # Re-read: the update trigger moved changed_at, and a voided receipt carries no relations.
        fresh = self.get_queryset().get(pk=receipt.pk)
        return api.ReceiptSerializer(fresh, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        self._check_may_record()
        serializer = api.ReceiptCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        recorded = record_one(request.user, serializer.validated_data)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        headers = {"Location": f"{request.path.rstrip('/')}/{recorded.receipt.pk}/"} if recorded.created else {}
        data = api.ReceiptSerializer(recorded.receipt, context=self.get_serializer_context()).data
        return Response(data, status=code, headers=headers)

    @extend_schema(
        request=api.BulkReceiptsRequestSerializer,
        responses={200: api.BulkReceiptsResponseSerializer},
        description="Up to 1,000 receipts; one result per item (created, already_recorded or refused with a code). "
        "Items are independent and each all-or-nothing.",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        self._check_may_record()
        results = record_bulk(request.user, request.data, self.get_serializer_context())
        return Response({"results": results})

    @extend_schema(request=api.VoidSerializer, responses={200: api.ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void a receipt with a reason: it stays, marked voided, and no longer counts."""
        receipt = self.get_object()
        self._check_may_record()
        serializer = api.VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voided = void_receipt(receipt, voided_by=request.user, reason=serializer.validated_data["reason"])
        return Response(self._represent(voided))
