from django.urls import path

from projects import views

app_name = "dashboard"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<int:pk>/", views.project_dashboard, name="project"),
]
