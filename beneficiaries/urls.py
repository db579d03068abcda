from django.urls import path

from beneficiaries import views

app_name = "beneficiaries"

urlpatterns = [
    path("new/", views.register, name="register"),
    path("cards/", views.cards, name="cards"),
    path("<int:pk>/", views.history, name="history"),
]
