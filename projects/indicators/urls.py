from django.urls import path

from projects.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.result_list, name="list"),
    path("report/", views.report, name="report"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("results/<int:pk>/correct/", views.correct, name="correct"),
    path("results/<int:pk>/review/", views.review, name="review"),
    path("results/<int:pk>/evidence/", views.evidence, name="evidence"),
]
