"""The report schedules, as django-celery-beat rows so that they can be edited in the admin.

Monthly: at 02:00 on the 1st, a report of the previous month for each active project.
Every five minutes: re-send reports left queued, or running past their lease.
"""

from django.db import migrations

MONTHLY = "Monthly donor progress reports"
SWEEP = "Re-send stale progress reports"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_month="1", month_of_year="*", day_of_week="*", timezone="UTC"
    )
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=MONTHLY, defaults={"task": "projects.tasks.request_monthly_reports", "crontab": monthly}
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP, defaults={"task": "projects.tasks.sweep_stale_reports", "interval": every_five}
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[MONTHLY, SWEEP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_progress_report"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
