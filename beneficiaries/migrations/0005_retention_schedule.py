"""The daily anonymisation of households past retention, as a django-celery-beat row (editable in the admin)."""

from django.db import migrations

DAILY = "Anonymise households past retention"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=DAILY, defaults={"task": "beneficiaries.tasks.anonymise_households_past_retention", "crontab": daily}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=DAILY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0004_audit_history_and_anonymised_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
