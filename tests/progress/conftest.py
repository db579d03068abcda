import datetime

import pytest
from django.utils import timezone

from beneficiaries.services import update_household
from distributions.services import record_receipt, void_receipt
from projects.models import Target, TargetPeriod
from tests import factories


def at(day: str, clock: str = "10:00") -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day} {clock}"), datetime.UTC)


@pytest.fixture
def progress_fixture(mopti):
    """A hand-computed operation in two regions.

    Walirdé (Mopti, ML0506), distribution July:
      A: 4 people (F18-59, 2 F6-17, M0-5), woman-headed, IDP: shelter 1 Jul, NFI 2 Jul  -> counted once
      B: 6 people (M18-59, F18-59, 2 M6-17, 2 F0-5), disabled member, IDP: shelter 31 Jul 23:59 UTC
      C: 3 people (M60+, F60+, M6-17), older-person-headed, host community: NFI 1 Aug 00:00 UTC,
         then edited to 5 people (the receipt keeps 3)
      D: 2 people: shelter 3 Jul, VOIDED
    Ségou site (ML04): E: 5 people (F18-59, 4 children), returnee: 2 shelter kits... (entitlement 1) -> 1 shelter 5 Jul
    """
    project, officer = mopti["project"], mopti["officer"]
    shelter, nfi = mopti["shelter"], mopti["nfi"]
    segou_site = factories.site("SEG", admin_area=factories.area("ML04", "Segou"), name="Ségou centre")
    officer.assigned_sites.add(segou_site)
    segou = factories.distribution(project, segou_site, kits=[shelter])

    def record(household, kit, when, distribution=None):
        return record_receipt(
            recorded_by=officer,
            distribution=distribution or mopti["distribution"],
            household=household,
            kit_type=kit,
            verification_method="registration_code",
            received_at=when,
        ).receipt

    site = mopti["site"]
    people = iter(
        [
            ("Aïssata Traoré", "+223 70 11 11 11"),
            ("Boubacar Cissé", "+223 70 22 22 22"),
            ("Hama Bocoum", "+223 70 33 33 33"),
            ("Djeneba Koné", "+223 70 44 44 44"),
            ("Mariam Sangaré", "+223 70 55 55 55"),
        ]
    )

    def person() -> dict:
        name, phone = next(people)
        return {"head_name": name, "phone": phone}

    a = factories.household(site, **person(), females_18_59=1, females_6_17=2, males_0_5=1, woman_headed=True)
    b = factories.household(
        site,
        **person(),
        head_sex="M",
        females_18_59=1,
        females_6_17=0,
        males_0_5=0,
        males_18_59=1,
        males_6_17=2,
        females_0_5=2,
        woman_headed=False,
        person_with_disability=True,
    )
    c = factories.household(
        site,
        **person(),
        head_sex="M",
        head_birth_year=1950,
        females_18_59=0,
        females_6_17=0,
        males_0_5=0,
        males_60_plus=1,
        females_60_plus=1,
        males_6_17=1,
        woman_headed=False,
        older_person_headed=True,
        displacement_status="host_community",
    )
    d = factories.household(site, **person(), females_18_59=1, females_6_17=0, males_0_5=1)
    e = factories.household(
        segou_site,
        **person(),
        females_18_59=1,
        females_6_17=2,
        males_0_5=2,
        males_6_17=0,
        displacement_status="returnee",
    )
    record(a, shelter, at("2024-07-01"))
    record(a, nfi, at("2024-07-02"))
    record(b, shelter, at("2024-07-31", "23:59"))
    record(c, nfi, at("2024-08-01", "00:00"))
    update_household(c, updated_by=officer, males_6_17=3)
    voided = record(d, shelter, at("2024-07-03"))
    void_receipt(voided, voided_by=officer, reason="Wrong household scanned")
    record(e, shelter, at("2024-07-05"), distribution=segou)

    shelter_target = factories.target(project, value=10, kit_type=shelter)
    factories.target(project, value=20, kit_type=nfi)
    factories.target(project, Target.Indicator.HOUSEHOLDS_REACHED, value=8)
    factories.target(project, Target.Indicator.INDIVIDUALS_REACHED, value=40, kit_category="nfi")
    TargetPeriod.objects.create(
        target=shelter_target,
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 9, 30),
        target_value=6,
    )
    TargetPeriod.objects.create(
        target=shelter_target,
        period_start=datetime.date(2024, 10, 1),
        period_end=datetime.date(2025, 6, 30),
        target_value=4,
    )
    return {**mopti, "households": {"A": a, "B": b, "C": c, "D": d, "E": e}, "segou_site": segou_site}


@pytest.fixture
def start_worker(transactional_db, tmp_path, settings):
    """Start real Celery workers (more than one, killable) sharing the test database and a media folder."""
    import os
    import signal
    import subprocess
    import time

    from tests.conftest import PROJECT_ROOT, _test_database_url, _wait_until_ready, worker_command

    settings.MEDIA_ROOT = tmp_path
    workers: list[subprocess.Popen] = []

    def start(*include: str) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": _test_database_url(), "DJANGO_MEDIA_ROOT": str(tmp_path)}
        name = f"progress-{os.getpid()}-{time.monotonic_ns()}@localhost"
        command = worker_command(name)
        if include:
            command += ["--include", ",".join(include)]
        worker = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)  # noqa: S603 - our own command line
        workers.append(worker)
        _wait_until_ready(worker, name)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def wait_for(condition, timeout: float = 90, interval: float = 0.25):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@pytest.fixture
def moved_household(progress_fixture):
    """Household A moves to Ségou and gets a hygiene kit there; E's earlier NFI is synced late."""
    fixture = progress_fixture
    officer, households = fixture["officer"], fixture["households"]
    segou_site = fixture["segou_site"]
    household_a = households["A"]
    household_a.site = segou_site
    household_a.save()
    hygiene = factories.kit_type("HYG", category="hygiene")
    segou_second = factories.distribution(fixture["project"], segou_site, kits=[hygiene, fixture["nfi"]])
    record_receipt(
        recorded_by=officer,
        distribution=segou_second,
        household=household_a,
        kit_type=hygiene,
        verification_method="signature",
        received_at=at("2024-08-20"),
    )
    # E's NFI recorded offline on 4 July, synced after its shelter kit of 5 July: E's first receipt moves.
    record_receipt(
        recorded_by=officer,
        distribution=segou_second,
        household=households["E"],
        kit_type=fixture["nfi"],
        verification_method="signature",
        received_at=at("2024-07-04"),
    )
    return {**fixture, "hygiene": hygiene}
