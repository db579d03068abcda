"""Included in the partner API's v1 (api/urls.py), so names are reversed as "v1:<name>"."""

from django.urls import path

from projects import api

urlpatterns = [
    path("projects/<int:pk>/progress/", api.ProjectProgressView.as_view(), name="project-progress"),
    path("reports/", api.ReportListView.as_view(), name="progress-reports"),
    path("reports/<int:pk>/", api.ReportDetailView.as_view(), name="progress-report"),
    path("reports/<int:pk>/<str:fmt>/", api.ReportDownloadView.as_view(), name="progress-report-download"),
]
