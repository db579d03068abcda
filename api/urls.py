"""/api/: the OpenAPI schema, its offline documentation, and version 1 of the partner API."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import APIRootView, DefaultRouter

from api import exports, imports, indicators, lists, progress, project_writes, reports, site_writes, stock, views
from api.base import PartnerApiMixin
from api.problems import not_found


class ApiRootView(PartnerApiMixin, APIRootView):
    """The index of /api/v1/: like every partner endpoint, JSON only and throttled."""


class Router(DefaultRouter):
    include_format_suffixes = False  # JSON only: no `.json` twins of every address
    APIRootView = ApiRootView


DOCS_CSP = {"style-src": ["'unsafe-inline'"]}

router = Router()
router.register("admin-areas", site_writes.AdminAreaViewSet, basename="admin-area")
router.register("sites", site_writes.SiteViewSet, basename="site")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("kit-types", views.KitTypeViewSet, basename="kit-type")
router.register("projects", project_writes.ProjectViewSet, basename="project")
router.register("targets", project_writes.TargetViewSet, basename="target")
router.register("distributions", views.DistributionViewSet, basename="distribution")
router.register("receipts", views.ReceiptViewSet, basename="receipt")
router.register("stock/movements", stock.StockMovementViewSet, basename="stock-movement")
router.register("stock/balances", stock.StockBalanceViewSet, basename="stock-balance")
router.register("indicators", indicators.IndicatorViewSet, basename="indicator")
router.register("indicator-results", indicators.ResultViewSet, basename="indicator-result")

v1 = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("exports/3w.csv", exports.ThreeWCsvView.as_view(), name="export-3w-csv"),
    path("exports/3w.json", exports.ThreeWJsonView.as_view(), name="export-3w-json"),
    path("projects/<int:pk>/progress/", progress.ProjectProgressView.as_view(), name="project-progress"),
    path("reports/", reports.ReportListView.as_view(), name="progress-reports"),
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="progress-report"),
    path("reports/<int:pk>/<str:fmt>/", reports.ReportDownloadView.as_view(), name="progress-report-download"),
    path("imports/", imports.ImportListView.as_view(), name="import-list"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/start/", imports.ImportStartView.as_view(), name="import-start"),
    path("kobo/submissions/", imports.KoboSubmissionView.as_view(), name="kobo-submissions"),
    path("lists/", lists.ListListView.as_view(), name="dlists"),
    path("distributions/<int:pk>/list/", lists.ListDetailView.as_view(), name="dlist"),
    path("distributions/<int:pk>/list/approve/", lists.ListApproveView.as_view(), name="dlist-approve"),
    path("distributions/<int:pk>/list/households/", lists.ListHouseholdsView.as_view(), name="dlist-households"),
    path("distributions/<int:pk>/list/overrides/", lists.ListOverrideView.as_view(), name="dlist-overrides"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script is served from a URL (?script), so the CSP needs no inline script. Both
    # documentation pages write <style> elements at run time, and Redoc searches in a blob: worker: allowed on
    # these two pages only (never inline scripts; checked in a browser, see docs/security.md).
    path(
        "docs/",
        csp_update(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        csp_update({**DOCS_CSP, "worker-src": ["blob:"]})(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("v1/", include((v1, "api"), namespace="v1")),
    re_path(r"^[\s\S]*$", not_found),  # any other address, newlines included
]
