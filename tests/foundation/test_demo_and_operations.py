import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Sum

from demo.loader import load_demo
from distributions.models import Receipt
from projects.models import Target
from sites.models import AdminArea


def table_counts() -> dict:
    from django.apps import apps

    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_demo_loads_twice_with_no_change_the_second_time(db):
    assert load_demo() > 0
    before = table_counts()
    receipts = list(Receipt.objects.order_by("client_uuid").values())
    assert load_demo() == 0
    assert table_counts() == before
    assert list(Receipt.objects.order_by("client_uuid").values()) == receipts


def test_demo_accounts_sign_in_with_the_printed_password(db):
    from accounts.models import User
    from demo.loader import DEMO_PASSWORD

    load_demo()
    for username in ("admin", "manager", "officer", "officer.iraq", "donor", "partner"):
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD), username


def test_demo_figures_match_the_mopti_story(db):
    load_demo()
    mopti = Receipt.objects.filter(distribution__project__code="MLI-JPN-2024-SNFI", voided_at__isnull=True)
    kits = dict(mopti.values_list("kit_type__code").annotate(total=Sum("quantity")).order_by())
    assert kits == {"ESK-ML": 100, "NFI-ML": 75}
    assert set(mopti.values_list("site__name", flat=True)) == {"Walirdé", "Takouti", "Sarema", "Tombouctou Coura"}
    dates = mopti.values_list("received_at__date", flat=True)
    assert str(min(dates)) == "2024-07-01" and str(max(dates)) == "2024-07-17"
    targets = {
        (t.indicator, t.kit_type.code if t.kit_type else None): t.target_value
        for t in Target.objects.filter(project__code="MLI-JPN-2024-SNFI", activity_indicator__isnull=True)
    }
    assert targets == {
        ("kits_distributed", "ESK-ML"): 450,
        ("kits_distributed", "NFI-ML"): 640,
        ("individuals_reached", None): 10985,
    }
    activity = dict(
        Target.objects.filter(project__code="MLI-JPN-2024-SNFI", indicator="activity").values_list(
            "activity_indicator__code", "target_value"
        )
    )  # issue 21 (demo/indicators.py: illustrative values)
    assert activity == {"latrines": 60, "water-points": 10, "hygiene-awareness": 3000, "tents-civil-protection": 50}
    regions = set(AdminArea.objects.filter(projects__code="MLI-JPN-2024-SNFI").values_list("pcode", flat=True))
    assert regions == {"ML04", "ML05", "ML06", "ML07"}
    per_household = mopti.values("household").annotate(n=Count("id"))
    assert max(row["n"] for row in per_household) == 2  # some households received both kits


def test_pcode_import_reads_the_shared_file(db):
    path = settings.SHARED_DATA_DIR / "pcodes" / "global-pcodes-adm-1-2.csv"
    if not path.exists():
        pytest.skip("../shared/data is not beside the project")
    call_command("import_pcodes", "--file", str(path), "--country", "MLI")
    mopti = AdminArea.objects.get(pcode="ML0506")
    assert (mopti.name, mopti.level, mopti.parent.pcode, str(mopti.valid_from)) == ("Mopti", 2, "ML05", "2021-12-20")
    assert AdminArea.objects.filter(country_code="MLI", level=1).count() == 10
    call_command("import_pcodes", "--file", str(path), "--country", "MLI")
    assert (
        AdminArea.objects.filter(country_code="MLI").count()
        == 1 + 10 + AdminArea.objects.filter(country_code="MLI", level=2).count()
    )


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["broker"] == ("eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok")


def test_healthz_answers_503_when_the_database_is_down(client, db, monkeypatch):
    from config import health

    monkeypatch.setattr(health, "database_state", lambda: "error")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "error"


@pytest.mark.celery_worker
def test_a_task_goes_through_redis_to_a_real_worker(celery_worker_process):
    from distributions.models import Distribution
    from distributions.tasks import distribution_progress_task

    load_demo()
    distribution = Distribution.objects.get(name="Mopti urban, July 2024: Walirdé")
    result = distribution_progress_task.delay(distribution.pk).get(timeout=30)
    assert {row["kit_type"]: row["given"] for row in result} == {"ESK-ML": 40, "NFI-ML": 30}


def test_demo_gives_the_mopti_officer_a_round_under_way_today_with_households_to_serve(db):
    from django.utils import timezone

    from accounts.models import User
    from distributions.selectors import visible_open_distributions

    load_demo()
    officer = User.objects.get(username="officer")
    today = timezone.localdate()
    open_rounds = [d for d in visible_open_distributions(officer) if d.planned_start <= today <= d.planned_end]
    assert {d.site.name for d in open_rounds} == {"Walirdé", "Takouti"}
    for distribution in open_rounds:
        assert distribution.status == "ongoing"
        to_serve = distribution.site.households.filter(is_active=True).exclude(receipts__distribution=distribution)
        assert to_serve.count() > 0
