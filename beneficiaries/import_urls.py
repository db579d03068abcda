from django.urls import path

from beneficiaries import import_views as views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/status.json", views.import_status, name="status"),
    path("<int:pk>/start/", views.import_start, name="start"),
    path("<int:pk>/refused-rows.xlsx", views.import_errors, name="errors"),
    path("review/", views.review_list, name="review-list"),
    path("review/<int:pk>/", views.review_detail, name="review-detail"),
]
