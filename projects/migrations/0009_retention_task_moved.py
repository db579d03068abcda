"""The daily anonymisation task moved from beneficiaries.tasks to projects.tasks (retention reads projects and
receipts, which beneficiaries must not import): the django-celery-beat row follows it."""

from django.db import migrations

OLD = "beneficiaries.tasks.anonymise_households_past_retention"
NEW = "projects.tasks.anonymise_households_past_retention"


def rename(old: str, new: str):
    def run(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=old).update(task=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_merge"),
        ("beneficiaries", "0005_retention_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename(OLD, NEW), rename(NEW, OLD))]
