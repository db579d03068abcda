from django.urls import path

from distributions import household_views as views

# The namespace the household pages have always had (templates reverse "beneficiaries:…").
app_name = "beneficiaries"

urlpatterns = [
    path("new/", views.register, name="register"),
    path("cards/", views.cards, name="cards"),
    path("<int:pk>/", views.history, name="history"),
]
