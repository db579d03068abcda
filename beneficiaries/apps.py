from django.apps import AppConfig


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
