from django.urls import path

from distributions.lists import views

app_name = "lists"

# The planners' pages under /lists/; the officers' under /field/lists/ (the service worker's scope, so that the
# offline list and the day's pages work without a network).
urlpatterns = [
    path("lists/projects/<int:project_pk>/plan/", views.plan, name="plan"),
    path("lists/<int:pk>/", views.detail, name="detail"),
    path("lists/<int:pk>/approve/", views.approve, name="approve"),
    path("lists/<int:pk>/change/", views.change, name="change"),
    path("field/lists/<int:pk>/pending/", views.pending, name="pending"),
    path("field/lists/<int:pk>/tally/", views.tally, name="tally"),
    path("field/lists/<int:pk>/offline.json", views.offline, name="offline"),
    path("field/lists/<int:pk>/households/<int:household_pk>/override/", views.override, name="override"),
]
