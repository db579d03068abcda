from django.urls import path

from distributions import stock_views, views

app_name = "distributions"

urlpatterns = [
    path("", views.picker, name="picker"),
    path("<int:pk>/", views.distribution_screen, name="screen"),
    path("<int:pk>/search/", views.search_results, name="search"),
    path("<int:pk>/offline.json", views.offline_data, name="offline"),
    path("<int:pk>/households/<int:household_pk>/", views.household_screen, name="household"),
    path("<int:pk>/households/<int:household_pk>/receive/", views.receive, name="receive"),
    path("<int:pk>/receipts/<int:receipt_pk>/void/", views.void, name="void"),
    path("<int:pk>/stock/", stock_views.reconciliation_page, name="reconciliation"),
    path("<int:pk>/stock/movements/", stock_views.site_movement, name="site-movement"),
    path("<int:pk>/stock/explanations/", stock_views.explain_variance, name="explain-variance"),
]
