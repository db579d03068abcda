from django.apps import AppConfig


class SitesConfig(AppConfig):
    label = "sites"
    name = "sites"
