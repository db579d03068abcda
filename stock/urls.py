from django.urls import path

from stock import views

app_name = "stock"

urlpatterns = [
    path("", views.warehouses, name="warehouses"),
    path("<int:pk>/", views.warehouse, name="warehouse"),
]
