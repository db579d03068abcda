from django.apps import AppConfig


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"

    def ready(self) -> None:
        # Register the Celery tasks in every process (web too): jobs are handed to them by registered name.
        from beneficiaries import tasks  # noqa: F401
