"""Issue 12: a deployment that is safe by default.

Production refuses a missing, published or weak secret key; docker-compose.yml ships no key and loads
the demo (accounts with a published password) only with LOAD_DEMO=1; load_demo refuses in production.
"""

import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
STRONG = "k3J9-pQ_vX2mZ8rT5wY1uB7nC4sD6fG0hL-aE3iO9yU2tR5eW8qN1mK4jH7gF0dS3a"


def _start(secret: str | None, command: str = "import django; django.setup()", **extra) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SECRET_KEY", "LOAD_DEMO")}
    env.update(DJANGO_ENV="production", DJANGO_SETTINGS_MODULE="config.settings", DJANGO_ALLOWED_HOSTS="x", **extra)
    if secret is not None:
        env["DJANGO_SECRET_KEY"] = secret
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-c", command], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "change-me-in-production-please-0123456789-abcdefghij",  # the key docker-compose.yml shipped
        "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef",
        "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefgh",
        "short-but-random-Qx81",
        "a" * 64,
    ],
)
def test_production_refuses_to_start_with_a_missing_published_or_weak_secret(secret):
    result = _start(secret)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_a_random_secret():
    result = _start(STRONG)
    assert result.returncode == 0, result.stderr


def test_compose_ships_no_secret_and_loads_the_demo_only_when_asked():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_ENV"] == "production"
        assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), "a required variable, no default"
    web = services["web"]
    assert web["environment"]["LOAD_DEMO"] == "${LOAD_DEMO:-0}"
    command = web["command"]
    assert "load_demo" in command and "if [ $${LOAD_DEMO:-0} = 1 ]; then python manage.py load_demo; fi" in command


@pytest.mark.django_db
def test_load_demo_refuses_in_production_unless_asked(monkeypatch, settings):
    from django.core.management import CommandError, call_command

    settings.PRODUCTION = True
    monkeypatch.delenv("LOAD_DEMO", raising=False)
    with pytest.raises(CommandError, match="LOAD_DEMO=1"):
        call_command("load_demo")
    from accounts.models import User

    assert not User.objects.filter(username="admin").exists()
