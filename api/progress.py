"""The progress endpoint: the project dashboard's JSON twin, with the same filters (thin view).

GET /api/v1/projects/<id>/progress/   the figures of projects.progress, disclosed per audience by
projects.disclosure (small counts withheld for aggregate-only roles). headline_for() gives the
project serializer (api/serializers.py) its headline progress.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import PartnerApiMixin
from config.replica import reading_from_replica
from projects.disclosure import disclosed_headline, disclosed_progress
from projects.forms import ProgressFilterForm
from projects.progress import project_progress
from projects.selectors import visible_dashboard_project
from projects.targets import headline_progress

FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="Period start (inclusive)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Period end (inclusive)"),
    OpenApiParameter("area", OpenApiTypes.INT, description="Admin 1 or admin 2 area id"),
    OpenApiParameter("site", OpenApiTypes.INT, description="Site id"),
    OpenApiParameter("kit_type", OpenApiTypes.INT, description="Kit type id"),
    OpenApiParameter("kit_category", OpenApiTypes.STR, description="Kit category"),
    OpenApiParameter("bucket", OpenApiTypes.STR, enum=["week", "month"], description="Time series step"),
]


class ProjectProgressView(PartnerApiMixin, APIView):
    """Progress against targets: the figures of the project's dashboard, with the same filters."""

    query_parameters = ProgressFilterForm  # its fields are the names known; any other is a 400

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        project = visible_dashboard_project(request.user, pk)
        form = ProgressFilterForm.for_project(request.query_params, project, request.user)
        if form.is_bound and not form.is_valid():
            raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
        filters, bucket = form.filters_and_bucket()
        with reading_from_replica():  # a second behind the primary at most (docs/scaling.md)
            progress = project_progress(project, filters, bucket=bucket)
        progress = disclosed_progress(progress, request.user)
        return Response(progress.as_json())


def headline_for(projects, user) -> dict[int, dict]:
    """Headline progress of the given projects as `user` may see it (projects.disclosure.disclosed_headline),
    JSON-ready, for the API's project serializer: {project id: {kits, kits_target, households, individuals,
    percent}}, a withheld count null."""
    headline = disclosed_headline(headline_progress(projects), user)
    return {
        pk: {**values, "percent": None if values["percent"] is None else float(values["percent"])}
        for pk, values in headline.items()
    }
