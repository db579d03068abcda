"""Hardening: headers and CSP, CSRF on every form, sign-in lockout, API throttles, session expiry,
secrets from the environment, checked uploads, and personal data kept out of logs."""

import datetime
import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from api.throttling import AnonymousRateThrottle, PartnerRateThrottle
from config.log_filters import PersonalDataFilter
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted(ROOT.glob("*/templates/**/*.html"))
PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()  # throttle and lockout counters kept in the cache


# --- headers ---------------------------------------------------------------------------------------


def test_pages_carry_the_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]


def test_swagger_ui_loads_its_script_from_a_url_under_the_csp(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    directives = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'"  # run-time styles are allowed here, scripts never inline
    html = page.content.decode()
    inline = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]
    assert not inline, inline
    sources = re.findall(r'<script[^>]+src="([^"]+)"', html)
    init = [src for src in sources if "swagger-ui-init" in src or "script=" in src]
    assert init, sources
    script = client.get(init[0])
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_templates_have_no_inline_script_or_handlers_and_csrf_on_every_post_form(template):
    text = template.read_text()
    if template.name.endswith(".js"):
        return
    assert not [tag for tag in re.findall(r"<script\b[^>]*>", text) if "src=" not in tag], "inline <script>"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", text), "inline event handler (on…=) attribute"
    assert not re.search(r"<[^>]+\sstyle\s*=", text), "inline style attribute"
    for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, flags=re.S | re.I):
        if re.search(r'method\s*=\s*"?post', form.group(0)[:200], flags=re.I):
            assert "{% csrf_token %}" in form.group(1), f"POST form without csrf_token: {form.group(0)[:80]}"


# --- sign-in lockout (django-axes) --------------------------------------------------------------


def _sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_locked_at_its_address_and_the_others_behind_that_address_still_sign_in(db, settings):
    """Issue 12: a field office shares one address; one officer's typos must not lock out the others."""
    factories.user(Role.FIELD_OFFICER, username="amadou")
    factories.user(Role.FIELD_OFFICER, username="binta")
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "amadou", "wrong", address="10.0.1.1").status_code == 200
    assert _sign_in(client, "amadou", "wrong", address="10.0.1.1").status_code == 429  # the last allowed failure
    locked = _sign_in(client, "amadou", PASSWORD, address="10.0.1.1")  # right password, same address
    assert locked.status_code == 429
    assert "paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert _sign_in(Client(), "binta", PASSWORD, address="10.0.1.1").status_code == 302  # same office: fine
    assert _sign_in(Client(), "amadou", PASSWORD, address="10.0.2.1").status_code == 302  # elsewhere: fine


def test_an_address_is_locked_after_failures_on_many_accounts_at_a_higher_limit(db, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    factories.user(Role.FIELD_OFFICER, username="fatoumata")
    client = Client()
    for attempt in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        _sign_in(client, f"guess{attempt}", "wrong", address="10.9.9.9")
    assert settings.AXES_ADDRESS_FAILURE_LIMIT - 1 > settings.AXES_FAILURE_LIMIT
    assert _sign_in(Client(), "fatoumata", PASSWORD, address="10.9.9.9").status_code == 302  # below the limit
    _sign_in(client, "guess-last", "wrong", address="10.9.9.9")
    assert _sign_in(Client(), "fatoumata", PASSWORD, address="10.9.9.9").status_code == 429
    assert _sign_in(Client(), "fatoumata", PASSWORD, address="10.9.9.10").status_code == 302  # elsewhere: fine


def test_the_api_token_endpoint_is_locked_too(db, settings):
    factories.user(Role.PARTNER_SYSTEM, username="kobo")
    api = APIClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        answer = api.post("/api/v1/auth/token/", {"username": "kobo", "password": "wrong"}, format="json")
        assert answer.status_code == 400
    api.post("/api/v1/auth/token/", {"username": "kobo", "password": "wrong"}, format="json")
    locked = api.post("/api/v1/auth/token/", {"username": "kobo", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/problem+json")
    assert locked.json()["code"] == "locked_out" and int(locked["Retry-After"]) > 0


# --- API throttles ------------------------------------------------------------------------------------


def test_api_throttles_each_token_and_anonymous_address(db, monkeypatch):
    monkeypatch.setattr(PartnerRateThrottle, "rate", "3/minute", raising=False)
    monkeypatch.setattr(AnonymousRateThrottle, "rate", "2/minute", raising=False)
    partner = factories.user(Role.PARTNER_SYSTEM, username="throttled")
    api = APIClient()
    api.force_authenticate(partner)
    answers = [api.get("/api/v1/kit-types/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    other = APIClient()
    other.force_authenticate(factories.user(Role.PARTNER_SYSTEM, username="other"))
    assert other.get("/api/v1/kit-types/").status_code == 200  # per token, not global
    # Anonymous callers reach only the public operations (the rest answer 401 before any work): the token exchange.
    anonymous = [APIClient().post("/api/v1/auth/token/", {}, format="json").status_code for _ in range(3)]
    assert anonymous == [400, 400, 429]


# --- sessions -------------------------------------------------------------------------------------------


def test_a_session_expires_after_inactivity_and_each_request_extends_it(db, settings):
    officer = factories.user(Role.FIELD_OFFICER, username="sleepy")
    client = Client()
    client.force_login(officer)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    assert client.get("/field/").status_code == 200
    extended = Session.objects.get(pk=key).expire_date
    assert extended > timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/field/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- secrets -----------------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_ENV="production", DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


# --- uploads -------------------------------------------------------------------------------------------------


@pytest.fixture
def importer(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    manager = factories.user(Role.PROGRAMME_MANAGER, username="importer")
    client = Client()
    client.force_login(manager)
    api = APIClient()
    api.force_authenticate(manager)
    return client, api


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
UNACCEPTABLE = [
    ("photo.png", PNG),
    ("list.xlsx", b"head_name,household_size\nA,1\n"),  # not the zip an XLSX is
    ("list.csv", b"PK\x03\x04" + b"\x00" * 64),  # a zip named .csv
    ("script.exe", b"MZ\x90\x00"),
]


@pytest.mark.parametrize(("name", "content"), UNACCEPTABLE, ids=[name for name, _ in UNACCEPTABLE])
def test_an_upload_of_the_wrong_type_is_a_field_error_on_the_page_and_a_400_in_the_api(importer, name, content):
    client, api = importer
    page = client.post("/imports/", {"file": SimpleUploadedFile(name, content), "source": "t"})
    assert page.status_code == 200
    assert "not a spreadsheet we can read" in page.content.decode()
    answer = api.post("/api/v1/imports/", {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert answer.status_code == 400
    assert "file" in str(answer.json())


def test_an_oversized_upload_is_refused_before_it_is_stored(importer, settings, tmp_path):
    client, api = importer
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    big = b"head_name,household_size\n" + b"Someone,1\n" * 50
    page = client.post("/imports/", {"file": SimpleUploadedFile("big.csv", big)})
    assert "larger than" in page.content.decode()
    answer = api.post("/api/v1/imports/", {"file": SimpleUploadedFile("big.csv", big)}, format="multipart")
    assert answer.status_code == 400 and "larger than" in str(answer.json())
    assert not list(tmp_path.rglob("big*.csv"))


# --- logs -------------------------------------------------------------------------------------------------------


@pytest.fixture
def console_log():
    """What the configured console handler (the one production logs go through) writes."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


HEAD_NAME = "Oumou Sangaré"
PHONE = "+223 76 54 32 10"


def test_a_server_error_logs_neither_the_name_nor_the_phone(db, console_log, monkeypatch):
    officer = factories.user(Role.FIELD_OFFICER, sites=[factories.site("LOG")], username="logger")

    def failing(**fields):
        raise RuntimeError(f"duplicate key: DETAIL: Key (head_name, phone)=({fields['head_name']}, {PHONE})")

    monkeypatch.setattr("distributions.household_views.register_household", failing)
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    site = officer.assigned_sites.get()
    form = {
        "site": site.pk,
        "head_name": HEAD_NAME,
        "phone": PHONE,
        "head_sex": "F",
        "head_birth_year": "1985",
        "displacement_status": "idp",
        "females_18_59": "1",
        "consent_given": "on",
    }
    response = client.post("/field/households/new/", form)
    written = console_log.getvalue()
    assert response.status_code == 500
    assert "RuntimeError" in written and "Traceback" in written  # the error is logged, where it happened
    assert "Oumou" not in written and "76 54 32 10" not in written


def test_a_validation_failure_logs_no_name(db, console_log):
    officer = factories.user(Role.FIELD_OFFICER, sites=[factories.site("LOG2")], username="logger2")
    client = Client()
    client.force_login(officer)
    response = client.post("/field/households/new/", {"head_name": HEAD_NAME, "phone": PHONE, "household_size": "x"})
    assert response.status_code == 400
    assert "Oumou" not in console_log.getvalue()


def test_the_log_filter_masks_phone_numbers_and_exception_messages():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "call %s failed", (PHONE,), None)
    try:
        raise ValueError(f"{HEAD_NAME} {PHONE}")
    except ValueError:
        record.exc_info = sys.exc_info()
    PersonalDataFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "ValueError" in text and HEAD_NAME not in text and "54 32" not in text
