"""Distribution lists through the partner API (issue 19): their criteria, approval and each household's listed
entitlement, so that a registration system can supply a list instead of criteria (thin views; the rules are
distributions/lists/services.py's, who may is accounts/selectors.py's).

GET  /api/v1/lists/                                  lists of the distributions you may plan
GET  /api/v1/distributions/<id>/list/                a distribution's list: criteria, rules, approval, counts
POST /api/v1/distributions/<id>/list/                save the draft's criteria and rules (`{}`: a supplied list)
POST /api/v1/distributions/<id>/list/approve/        freeze it (programme managers, administrators)
GET  /api/v1/distributions/<id>/list/households/     households on it with their entitlements (keyset on id)
POST /api/v1/distributions/<id>/list/households/     supply a household (a draft), or add one with a reason
POST /api/v1/distributions/<id>/list/overrides/      a supervisor's override for a household off the list
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import can_manage_lists, can_override_list, can_supply_lists, visible_households_to_serve
from api import pagination
from api.base import PartnerApiMixin
from distributions.lists import selectors, services
from distributions.lists.models import DistributionList, ListedHousehold
from distributions.models import Distribution
from distributions.selectors import visible_field_distribution


class ListSerializer(serializers.ModelSerializer):
    distribution = serializers.IntegerField(source="distribution_id", read_only=True)
    approved_by = serializers.IntegerField(source="approved_by_id", read_only=True, allow_null=True)

    class Meta:
        model = DistributionList
        fields = ["id", "distribution", "status", "criteria", "rules", "approved_by", "approved_at", "created_at"]
        read_only_fields = fields


class ListWriteSerializer(serializers.Serializer):
    criteria = serializers.DictField()
    rules = serializers.DictField(required=False, default=dict)


class ListedHouseholdSerializer(serializers.ModelSerializer):
    household = serializers.IntegerField(source="household_id", read_only=True)
    site = serializers.IntegerField(source="site_id", read_only=True)
    removed = serializers.SerializerMethodField()
    entitlements = serializers.SerializerMethodField()

    class Meta:
        model = ListedHousehold
        fields = ["id", "household", "site", "household_size", "removed", "entitlements"]

    def get_removed(self, row) -> bool:
        return row.removed_at is not None

    def get_entitlements(self, row) -> dict[str, int]:
        return {kit.kit_type.code: kit.quantity for kit in row.kits.all()}


class HouseholdChangeSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    reason = serializers.CharField(max_length=500, required=False, default="")


class OverrideSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    reason = serializers.CharField(max_length=500)
    client_uuid = serializers.UUIDField(required=False)


def _planned(request, pk: int) -> tuple[Distribution, DistributionList | None]:
    """The distribution (404 outside the user's planning scope) and its list, for the planners' roles."""
    if not can_supply_lists(request.user):
        raise PermissionDenied(_("Your role may not plan distributions."))
    try:
        return selectors.visible_managed_list(request.user, pk)
    except Distribution.DoesNotExist:
        raise Http404 from None


def _household(request, pk: int):
    household = visible_households_to_serve(request.user).filter(pk=pk).first()
    if household is None:
        raise serializers.ValidationError({"household": [_("No household with this id in your scope.")]})
    return household


class ListListView(PartnerApiMixin, generics.ListAPIView):
    """Distribution lists of the distributions you may plan, oldest first (keyset on id)."""

    serializer_class = ListSerializer
    pagination_class = pagination.KeysetPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user, no scope
            return DistributionList.objects.none()
        if not can_supply_lists(self.request.user):
            raise PermissionDenied(_("Your role may not plan distributions."))
        return selectors.api_lists(self.request.user)


class ListDetailView(PartnerApiMixin, APIView):
    query_parameters = ()

    @extend_schema(responses=ListSerializer, description="A distribution's list: its criteria, rules and approval.")
    def get(self, request, pk: int):
        _distribution, dlist = _planned(request, pk)
        if dlist is None:
            raise Http404
        return Response(ListSerializer(dlist).data)

    @extend_schema(
        request=ListWriteSerializer,
        responses=ListSerializer,
        description="Save a draft list's criteria and entitlement rules "
        "(criteria `{}`: households supplied one by one).",
    )
    def post(self, request, pk: int):
        distribution, _dlist = _planned(request, pk)
        body = ListWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dlist = services.save_list(
            distribution, by=request.user, criteria=body.validated_data["criteria"], rules=body.validated_data["rules"]
        )
        return Response(ListSerializer(dlist).data, status=status.HTTP_200_OK)


class ListApproveView(PartnerApiMixin, APIView):
    @extend_schema(request=None, responses=ListSerializer, description="Approve (freeze) a distribution's list.")
    def post(self, request, pk: int):
        _distribution, dlist = _planned(request, pk)
        if not can_manage_lists(request.user):
            raise PermissionDenied(_("Only a programme manager may approve a list."))
        if dlist is None:
            raise Http404
        return Response(ListSerializer(services.approve_list(dlist, approved_by=request.user)).data)


class ListHouseholdsView(PartnerApiMixin, generics.ListAPIView):
    """Households on a distribution's list with their listed entitlements by kit code (keyset on id)."""

    serializer_class = ListedHouseholdSerializer
    pagination_class = pagination.KeysetPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user, no scope
            return ListedHousehold.objects.none()
        _distribution, dlist = _planned(self.request, self.kwargs["pk"])
        if dlist is None:
            raise Http404
        return ListedHousehold.objects.filter(dlist=dlist).prefetch_related("kits__kit_type")

    @extend_schema(
        request=HouseholdChangeSerializer,
        responses=ListedHouseholdSerializer,
        description="Supply a household to a draft list, or add one to an approved list with a reason.",
    )
    def post(self, request, pk: int):
        _distribution, dlist = _planned(request, pk)
        if dlist is None:
            raise Http404
        body = HouseholdChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        household = _household(request, body.validated_data["household"])
        if dlist.is_approved and not can_manage_lists(request.user):
            raise PermissionDenied(_("Only a programme manager may change an approved list."))
        services.add_household(dlist, household, by=request.user, reason=body.validated_data["reason"])
        row = ListedHousehold.objects.prefetch_related("kits__kit_type").get(dlist=dlist, household=household)
        return Response(ListedHouseholdSerializer(row).data, status=status.HTTP_201_CREATED)


class ListOverrideView(PartnerApiMixin, APIView):
    @extend_schema(
        request=OverrideSerializer,
        responses={201: OverrideSerializer, 200: OverrideSerializer},
        description="Let a household off the list be served, with a reason "
        "(supervisors; a phone's resend is stored once).",
    )
    def post(self, request, pk: int):
        try:
            distribution = visible_field_distribution(request.user, pk)
        except Distribution.DoesNotExist:
            raise Http404 from None
        dlist = selectors.approved_list(distribution)
        if not can_override_list(request.user, dlist) and not (dlist is None and can_manage_lists(request.user)):
            raise PermissionDenied(_("Only a supervisor may override the list."))
        body = OverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if dlist is None:
            raise serializers.ValidationError({"distribution": [_("This distribution has no approved list.")]})
        household = _household(request, body.validated_data["household"])
        change, created = services.override_list(
            dlist,
            household,
            by=request.user,
            reason=body.validated_data["reason"],
            client_uuid=body.validated_data.get("client_uuid"),
        )
        answer = {"household": household.pk, "reason": change.reason, "client_uuid": str(change.client_uuid)}
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
