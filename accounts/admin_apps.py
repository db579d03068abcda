"""django.contrib.admin with its default site replaced by accounts.admin_site.AdministratorsOnlySite.

A module of its own: INSTALLED_APPS imports it before the models are ready.
"""

from django.contrib.admin.apps import AdminConfig


class AdministratorsOnlyAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.AdministratorsOnlySite"
