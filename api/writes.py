"""What the partner API's create/change endpoints share: the role check, a write serializer validated for
shape, the owning app's service for the rules, and the stored row answered in the read shape.

Idempotency (Idempotency-Key on POST) comes from PartnerApiMixin; the audit rows from the models' history
(django-simple-history, channel `api`); who may write from accounts/selectors.py (`can_<verb>(user)`).
"""

from django.utils.translation import gettext_lazy
from rest_framework import mixins, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response


class ServiceWritesMixin(mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """POST and PATCH through services. A view sets `write_serializer_class`, `may_write` (a
    `can_<verb>(user)` of accounts/selectors.py, as a staticmethod), and `create_with(validated, user)` and
    `update_with(instance, validated, user)` calling the owning app's services."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    write_serializer_class = None
    denied_message = gettext_lazy("Your role may not change this.")

    @staticmethod
    def may_write(user) -> bool:  # pragma: no cover - every view names its rule
        return False

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return self.write_serializer_class
        return super().get_serializer_class()

    def _check_may_write(self) -> None:
        if not self.may_write(self.request.user):
            raise PermissionDenied(self.denied_message)

    def _answer(self, instance, status_code, headers=None):
        fresh = self.get_queryset().get(pk=instance.pk)
        data = self.serializer_class(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers=headers)

    def create(self, request, *args, **kwargs):
        self._check_may_write()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_with(dict(serializer.validated_data), request.user)
        lookup = getattr(instance, self.lookup_field)
        return self._answer(instance, status.HTTP_201_CREATED, {"Location": f"{request.path.rstrip('/')}/{lookup}/"})

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        self._check_may_write()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instance = self.update_with(instance, dict(serializer.validated_data), request.user)
        return self._answer(instance, status.HTTP_200_OK)
