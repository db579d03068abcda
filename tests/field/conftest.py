"""Browser tests of the field app: Debian's Chromium at a 5-inch phone's size, against a live server
that serves static files the way production does (hashed, precompressed, far-future cache headers),
and a meter of the bytes each response puts on the wire."""

import os
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS_FOR_README = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "has_touch": True, "locale": "en-GB"}


class WireMeter:
    """Bytes sent per response (status line, headers and body as sent: compressed when it is)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.responses: list[tuple[str, int]] = []

    def reset(self) -> None:
        with self.lock:
            self.responses = []

    def add(self, path: str, size: int) -> None:
        with self.lock:
            self.responses.append((path, size))

    @property
    def total(self) -> int:
        with self.lock:
            return sum(size for _path, size in self.responses)

    def by_path(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        with self.lock:
            for path, size in self.responses:
                totals[path] = totals.get(path, 0) + size
        return totals


METER = WireMeter()


class MeteredHandler:
    """Stands where LiveServerThread puts its static-files handler: static files go through WhiteNoise,
    as in production, and every response is metered."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        sent = {"size": 0}

        def metered_start_response(status, headers, exc_info=None):
            sent["size"] += len(status) + 11 + sum(len(name) + len(value) + 4 for name, value in headers)
            return start_response(status, headers, exc_info)

        body = self.application(environ, metered_start_response)
        try:
            for chunk in body:
                sent["size"] += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            METER.add(path, sent["size"])


@pytest.fixture(scope="session")
def production_static(tmp_path_factory):
    """collectstatic as in production: hashed names, gzip and brotli copies (third-party admin/API assets skipped)."""
    root = tmp_path_factory.mktemp("staticfiles")
    production = {
        "STATIC_ROOT": root,
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        "WHITENOISE_USE_FINDERS": False,
        "WHITENOISE_AUTOREFRESH": False,
    }
    with override_settings(**production):
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=0,
            ignore_patterns=["admin", "rest_framework", "drf_spectacular_sidecar", "django_extensions"],
        )
    return production


@pytest.fixture
def field_server(transactional_db, production_static):
    from pytest_django.live_server_helper import LiveServer

    with override_settings(**production_static):
        server = LiveServer("localhost", start=False)
        server.thread.static_handler = MeteredHandler
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def meter():
    METER.reset()
    return METER


@pytest.fixture
def shoot():
    """Screenshot a step under test-artifacts/ (and, for the README's pictures, under docs/screenshots/)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str, readme: bool = False) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        if readme:
            SCREENSHOTS_FOR_README.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS_FOR_README / f"{name}.png"))

    return take


def sign_in(page, server, username: str, password: str = "a-long-test-password") -> None:  # noqa: S107 - test data
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/field/")
