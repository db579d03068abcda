from django.urls import path

from beneficiaries import api

urlpatterns = [
    path("", api.ImportListView.as_view(), name="api-imports"),
    path("<int:pk>/", api.ImportDetailView.as_view(), name="api-import-detail"),
    path("<int:pk>/start/", api.ImportStartView.as_view(), name="api-import-start"),
]
