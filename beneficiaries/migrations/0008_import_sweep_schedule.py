"""Every minute, send again import checks and imports never handed to the queue (the broker was away).

A django-celery-beat row, editable in the admin (beneficiaries.tasks.sweep_unsent_imports).
"""

from django.db import migrations

SWEEP = "Re-send unsent registration imports"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP, defaults={"task": "beneficiaries.tasks.sweep_unsent_imports", "interval": every_minute}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0007_importjob_sent_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
