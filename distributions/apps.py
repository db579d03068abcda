from django.apps import AppConfig


class DistributionsConfig(AppConfig):
    name = "distributions"
