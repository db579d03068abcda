"""The sweep of stale reports runs every minute instead of every five: with the 90-second lease renewed
by a heartbeat (projects/services.py), a report whose worker died is built again within about two
and a half minutes (issue 12). Edits the django-celery-beat row created by 0003."""

from django.db import migrations

SWEEP = "Re-send stale progress reports"


def every(minutes: int):
    def apply(apps, schema_editor):
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.filter(name=SWEEP).update(interval=interval)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_progressreport_language"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(every(1), every(5))]
