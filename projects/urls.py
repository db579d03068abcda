from django.urls import path

from projects import reconciliation_views, sign_sheets, views

app_name = "dashboard"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<int:pk>/", views.project_dashboard, name="project"),
    path("projects/<int:pk>/reports/", views.request_project_report, name="request-report"),
    path("reports/<int:pk>/<str:fmt>/", views.download_report, name="report-download"),
    path(
        "distributions/<int:pk>/reconciliation.pdf",
        reconciliation_views.reconciliation_pdf_view,
        name="reconciliation-pdf",
    ),
    path("lists/<int:pk>/sign-sheet/", sign_sheets.sign_sheet, name="sign-sheet"),
]
