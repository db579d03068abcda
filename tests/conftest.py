import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from accounts.models import Role
from beneficiaries import identity
from tests import factories

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "celery_worker" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL: a real Celery worker through Redis"))
        if "browser" in item.keywords and not CHROMIUM:
            item.add_marker(pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)"))


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request's language (LocaleMiddleware's cookie) must
    not leak into the next test's services and messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def eager_celery():
    """Celery tasks (donor reports, imports) run in this process, even with REDIS_URL set; tests that need a
    real worker use celery_worker_process instead."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def mopti(db):
    """A small Mopti operation: project, site, shelter and NFI kits, an open distribution, an officer."""
    identity.ensure_generic_document_types()  # stored by a migration, gone after a flushing test
    shelter = factories.kit_type("ESK", "emergency_shelter")
    nfi = factories.kit_type("NFI", "nfi")
    project = factories.project("MLI-TEST")
    site = factories.site("WAL", name="Walirdé")
    distribution = factories.distribution(project, site, kits=[shelter, nfi])
    officer = factories.user(
        Role.FIELD_OFFICER, sites=[site], username="officer", first_name="Hamadoun", last_name="Dicko"
    )
    return {
        "project": project,
        "site": site,
        "shelter": shelter,
        "nfi": nfi,
        "distribution": distribution,
        "officer": officer,
    }


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker in its own process, consuming from Redis, on the test database.

    Tests using it need committed data (transactional_db), since the worker has its own connection.
    """
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    name = f"test-{os.getpid()}-{time.monotonic_ns()}@localhost"
    command = worker_command(name)
    worker = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)  # noqa: S603 - our own command line
    try:
        _wait_until_ready(worker, name)
        yield worker
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def worker_command(name: str) -> list[str]:
    """A real Celery worker (one process, no gossip): the worker of celery_worker_process and of tests/faults."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel=WARNING",
        "--pool=solo",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-n",
        name,
    ]


def _test_database_url() -> str:
    """The URL of the test database this process uses (a TCP host, or the embedded server's socket folder)."""
    from urllib.parse import quote

    database = connection.settings_dict
    user = quote(database.get("USER") or "")
    password = f":{quote(database['PASSWORD'])}" if database.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
    if host.startswith("/"):  # a Unix socket folder: libpq takes it as the host parameter
        return f"postgres://{credentials}/{database['NAME']}?host={quote(host)}&port={port}"
    return f"postgres://{credentials}{host}:{port}/{database['NAME']}"


def _wait_until_ready(worker: subprocess.Popen, name: str, timeout: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"Celery worker exited with {worker.returncode}")
        if app.control.ping(destination=[name], timeout=1):
            return
    raise RuntimeError("Celery worker did not answer within the timeout")
