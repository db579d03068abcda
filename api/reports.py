"""Donor progress reports: ask for one, list, read and download them (thin views; projects/services does the work).

POST /api/v1/reports/                      202, built by a worker; Location names the report
GET  /api/v1/reports/                      the latest 100 reports the user may see
GET  /api/v1/reports/<id>/                 status and download links
GET  /api/v1/reports/<id>/<format>/        the finished file (csv, json, pdf, xlsx, xml)
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import PartnerApiMixin
from projects.disclosure import report_formats
from projects.models import ProgressReport
from projects.selectors import can_request_reports, visible_dashboard_projects, visible_report_file, visible_reports
from projects.services import request_report


class ReportRequestSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    filters = serializers.DictField(child=serializers.CharField(), required=False)


class ReportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()
    project = serializers.CharField(source="project.code")

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "url",
            "project",
            "period_start",
            "period_end",
            "filters",
            "language",
            "status",
            "error",
            "requested_at",
            "finished_at",
            "downloads",
        ]

    def get_url(self, report) -> str:
        return self.context["request"].build_absolute_uri(reverse("v1:progress-report", args=[report.pk]))

    def get_downloads(self, report) -> dict[str, str]:
        request = self.context["request"]
        return {
            fmt: request.build_absolute_uri(reverse("v1:progress-report-download", args=[report.pk, fmt]))
            for fmt in report_formats(report.outputs, request.user)
        }


class ReportListView(PartnerApiMixin, APIView):
    """Donor progress reports: ask for one (202, built by a worker) or list the latest ones."""

    query_parameters = ()  # the list reads none: any parameter is a 400 (api/parameters.py)

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request):
        """The latest 100 reports of the projects the caller may see, newest first, with their download links."""
        reports = visible_reports(request.user)[:100]
        return Response(ReportSerializer(reports, many=True, context={"request": request}).data)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer})
    def post(self, request):
        """Ask for a report of a project and period (202: a worker builds it; its `url` shows when it is done)."""
        if not can_request_reports(request.user):
            raise PermissionDenied("Only programme managers and administrators ask for reports.")
        incoming = ReportRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        project = visible_dashboard_projects(request.user).filter(pk=incoming.validated_data["project"]).first()
        if project is None:
            raise ValidationError({"project": ["No project with this id in your scope."]})
        try:
            report = request_report(
                project=project,
                requested_by=request.user,
                period_start=incoming.validated_data["period_start"],
                period_end=incoming.validated_data["period_end"],
                filters=incoming.validated_data.get("filters"),
                language=translation.get_language(),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ReportDetailView(PartnerApiMixin, APIView):
    query_parameters = ()  # reads none: any parameter is a 400 (api/parameters.py)

    @extend_schema(responses=ReportSerializer)
    def get(self, request, pk: int):
        """One report: its status, period, filters and the links of the files the caller may download."""
        report = get_object_or_404(visible_reports(request.user), pk=pk)
        return Response(ReportSerializer(report, context={"request": request}).data)


BOM_PARAMETER = OpenApiParameter(
    "bom",
    str,
    enum=["1", "0"],
    description="CSV only: 0 leaves out the UTF-8 byte-order mark the file starts with (for Excel); default 1.",
)


class ReportDownloadView(PartnerApiMixin, APIView):
    query_parameters = ()  # `bom` only, known everywhere (api/parameters.py)

    @extend_schema(
        operation_id="reports_download",
        parameters=[BOM_PARAMETER],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int, fmt: str):
        """A report's file: `xlsx`, `pdf`, `csv` (HXL), `xml` (IATI) or `json`. The CSV starts with a UTF-8
        byte-order mark (EF BB BF) so that Excel shows accented and Arabic names; `?bom=0` leaves it out."""
        try:
            file = visible_report_file(request.user, pk, fmt, request.query_params)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return FileResponse(file.handle, as_attachment=True, filename=file.filename, content_type=file.content_type)
