"""Retention: households past it lose their personal data; figures and reports do not change."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.audit import Channel
from beneficiaries.models import DuplicateReview, Household
from demo.loader import load_demo
from distributions.models import Receipt
from distributions.services import record_receipt
from projects.models import Project
from projects.progress import project_progress
from projects.reports.figures import frozen_figures
from projects.retention import add_months, households_past_retention, retention_plan
from projects.services import request_report
from projects.tasks import anonymise_households_past_retention
from tests import factories

MALI = "MLI-JPN-2024-SNFI"
AFTER_MALI_RETENTION = datetime.date(2027, 7, 1)  # the project ended 30 June 2025, retention 24 months


@pytest.fixture
def demo(db, settings, tmp_path, django_capture_on_commit_callbacks):
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    load_demo()
    mali = Project.objects.get(code=MALI)
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            project=mali,
            requested_by=None,
            period_start=datetime.date(2024, 7, 1),
            period_end=datetime.date(2024, 7, 31),
        )
    report.refresh_from_db()
    yield {"mali": mali, "report": report}
    app.conf.task_always_eager = previous


def personal_values() -> list[tuple]:
    return list(
        Household.objects.order_by("pk").values_list(
            "pk", "head_name", "phone", "id_document_number", "head_name_key", "anonymised_at"
        )
    )


def timeless(value):
    """Figures without the moment they were computed."""
    if isinstance(value, dict):
        return {key: timeless(item) for key, item in value.items() if key != "generated_at"}
    if isinstance(value, list):
        return [timeless(item) for item in value]
    return value


def figures(project, as_of) -> dict:
    return timeless(project_progress(project, as_of=as_of).as_json())


def mali_households():
    return Household.objects.filter(receipts__distribution__project__code=MALI).distinct()


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2025, 6, 30), 24) == datetime.date(2027, 6, 30)
    assert add_months(datetime.date(2025, 3, 15), -15) == datetime.date(2023, 12, 15)


def test_the_dry_run_shows_counts_per_project_and_changes_nothing(demo):
    before = personal_values()
    output = io.StringIO()
    call_command("anonymise_households", "--dry-run", "--as-of", AFTER_MALI_RETENTION.isoformat(), stdout=output)
    text = output.getvalue()
    served = mali_households().count()
    assert f"{MALI}: {served} households past retention" in text
    assert "nothing was changed" in text
    assert personal_values() == before
    for name in Household.objects.values_list("head_name", flat=True)[:50]:
        assert name not in text


def test_retention_runs_from_the_latest_project_end_the_household_received_from(demo):
    assert not households_past_retention(datetime.date(2027, 6, 30)).filter(pk__in=mali_households()).exists()
    assert set(households_past_retention(AFTER_MALI_RETENTION).filter(pk__in=mali_households())) == set(
        mali_households()
    )
    # A Mali household also served by a project still within retention keeps its data.
    household = mali_households().first()
    later = factories.project("LATER", end_date=datetime.date(2027, 6, 1), retention_months=12)
    distribution = factories.distribution(later, household.site, kits=[factories.kit_type("LATE-KIT")])
    record_receipt(
        recorded_by=factories.user(),
        distribution=distribution,
        household=household,
        kit_type=distribution.items.get().kit_type,
        verification_method="registration_code",
    )
    assert not households_past_retention(AFTER_MALI_RETENTION).filter(pk=household.pk).exists()


def test_anonymising_keeps_progress_and_the_report_identical_and_removes_personal_data(demo):
    report = demo["report"]
    projects = list(Project.objects.order_by("pk"))
    as_of = datetime.date(2025, 6, 30)
    progress_before = [figures(project, as_of) for project in projects]
    served = list(mali_households().values_list("pk", flat=True))
    frozen_before = report.figures
    plan = retention_plan(AFTER_MALI_RETENTION)
    proxy = Receipt.objects.filter(household_id__in=served).first()
    Receipt.objects.filter(pk=proxy.pk).update(verification_method="proxy", proxy_name="Bintou Keita")

    output = io.StringIO()
    call_command("anonymise_households", "--as-of", AFTER_MALI_RETENTION.isoformat(), stdout=output)
    assert f"{plan.total} households anonymised" in output.getvalue()

    assert [figures(project, as_of) for project in projects] == progress_before
    report.refresh_from_db()
    # The report's frozen figures, and the same report built again now, are identical.
    assert report.figures == frozen_before
    assert timeless(frozen_figures(report)) == timeless(report.figures)
    anonymised = Household.objects.filter(pk__in=served)
    assert all(h.anonymised_at for h in anonymised)
    assert set(anonymised.values_list("head_name", "phone", "id_document_number", "head_name_key", "phone_key")) == {
        ("", "", "", "", "")
    }
    assert anonymised.filter(household_size__gte=1).count() == len(served)  # sex and age counts kept
    # ...and out of the audit trail too, where the anonymisation itself is recorded as a command.
    assert not Household.history.filter(id__in=served).exclude(head_name="").exists()
    entry = Household.history.filter(id=served[0]).order_by("-history_id").first()
    assert (entry.channel, entry.history_type) == (Channel.COMMAND, "~")
    assert Receipt.objects.get(pk=proxy.pk).proxy_name == "anonymised"
    assert not Receipt.history.filter(proxy_name="Bintou Keita").exists()
    # Households of the Iraq project, still within retention, keep their data; a second run does nothing.
    assert Household.objects.exclude(pk__in=served).exclude(head_name="").exists()
    assert retention_plan(AFTER_MALI_RETENTION).total == 0


def test_the_daily_task_anonymises_households_never_served_after_the_unlinked_period(mopti, settings):
    settings.RETENTION_UNLINKED_MONTHS = 24
    old = factories.household(mopti["site"], registered_by=mopti["officer"], head_name="Old Registration")
    recent = factories.household(mopti["site"], registered_by=mopti["officer"], head_name="Recent Registration")
    Household.objects.filter(pk=old.pk).update(registered_at=timezone.now() - datetime.timedelta(days=366 * 2 + 5))
    review = DuplicateReview.objects.create(
        kind="held",
        status="discarded",
        candidate=old,
        site=mopti["site"],
        likelihood=0.95,
        submitted_fields={"head_name": "Old Registration"},
    )
    assert anonymise_households_past_retention.apply().get() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.head_name, recent.head_name) == ("", "Recent Registration")
    assert old.history.order_by("-history_id").first().channel == Channel.TASK
    review.refresh_from_db()
    assert review.submitted_fields == {}


def test_celery_beat_runs_the_anonymisation_daily(db):
    task = PeriodicTask.objects.get(task="projects.tasks.anonymise_households_past_retention")
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("3", "30", True)
