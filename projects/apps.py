from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        # Register the Celery tasks in every process (web too): jobs are handed to them by registered name.
        from projects import tasks  # noqa: F401
