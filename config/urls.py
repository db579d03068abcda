from django.contrib import admin
from django.urls import include, path

from accounts.views import set_language
from config.health import healthz
from distributions import views as field_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dashboard/", include("projects.urls")),
    path("imports/", include("beneficiaries.import_urls")),
    path("stock/", include("stock.urls")),
    path("indicators/", include("projects.indicators.urls")),
    path("", field_views.home, name="home"),
    path("field/sw.js", field_views.service_worker, name="field-sw"),
    path("field/manifest.webmanifest", field_views.manifest, name="field-manifest"),
    path("", include("distributions.lists.urls")),
    path("field/households/", include("distributions.household_urls")),
    path("field/", include("distributions.urls")),
]
