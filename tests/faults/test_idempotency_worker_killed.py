"""Issue 12: a request key whose web process died is released; a retry does the work once.

A real web process (tests/faults/web_process.py --stall) is killed with SIGKILL in the middle of the
request, its registration written but not committed, as the out-of-memory killer would.
"""

import contextlib
import json
import subprocess
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from rest_framework.authtoken.models import Token

from api.models import IdempotencyRecord
from beneficiaries.models import Household
from distributions.models import Receipt
from tests import factories
from tests.api.conftest import client_for, receipt_item
from tests.faults import procs

REGISTRATION = {
    "head_name": "Kadidia Coulibaly",
    "head_sex": "F",
    "head_birth_year": 1979,
    "site": "WAL",
    "displacement_status": "idp",
    "females_18_59": 1,
    "males_0_5": 2,
}


@pytest.fixture
def stalling_web(transactional_db):
    port = procs.free_port()
    process = procs.start_web(port, "--stall")
    yield process, port
    procs.stop(process)


def _send_in_background(port: int, user, path: str, payload: dict, key: str) -> threading.Thread:
    token, _ = Token.objects.get_or_create(user=user)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Authorization": f"Token {token.key}", "Content-Type": "application/json", "Idempotency-Key": key},
    )

    def send():
        # The process is killed: the client sees the connection drop.
        with contextlib.suppress(urllib.error.URLError, ConnectionError, OSError):
            urllib.request.urlopen(request, timeout=60)  # noqa: S310

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _kill_mid_request(process: subprocess.Popen) -> None:
    assert process.stdout.readline().strip() == "stalling"  # written, not committed
    process.kill()  # SIGKILL: no handler runs, as after an out-of-memory kill
    process.wait()


def _post(api, path, payload, key):
    return api.post(path, json.dumps(payload), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_registration_whose_worker_was_killed_is_done_once_by_the_retry(mopti, stalling_web):
    process, port = stalling_web
    officer = mopti["officer"]
    api = client_for(officer)
    thread = _send_in_background(port, officer, "/api/v1/households/", REGISTRATION, "offline-reg-1")
    assert process.stdout.readline().strip() == "stalling"
    # While the first request is alive, a retry is told it is in progress and does nothing.
    busy = _post(api, "/api/v1/households/", REGISTRATION, "offline-reg-1")
    assert busy.status_code == 409 and busy.json()["code"] == "request_in_progress"
    process.kill()
    process.wait()
    thread.join(timeout=10)
    assert Household.objects.count() == 0  # the killed request's work was rolled back
    retry = _post(api, "/api/v1/households/", REGISTRATION, "offline-reg-1")
    assert retry.status_code == 201, retry.json()
    again = _post(api, "/api/v1/households/", REGISTRATION, "offline-reg-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == retry.json()["id"]
    assert Household.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="offline-reg-1").status_code == 201


def test_a_bulk_whose_worker_was_killed_is_done_once_by_the_retry(mopti, stalling_web):
    process, port = stalling_web
    officer = mopti["officer"]
    households = [factories.household(mopti["site"], registered_by=officer) for _ in range(3)]
    payload = {"receipts": [receipt_item(mopti, h, client_uuid=str(uuid.uuid4())) for h in households]}
    thread = _send_in_background(port, officer, "/api/v1/receipts/bulk/", payload, "offline-bulk-1")
    _kill_mid_request(process)
    thread.join(timeout=10)
    assert Receipt.objects.count() == 0
    retry = _post(client_for(officer), "/api/v1/receipts/bulk/", payload, "offline-bulk-1")
    assert retry.status_code == 200, retry.json()
    assert [result["status"] for result in retry.json()["results"]] == ["created"] * 3
    assert Receipt.objects.count() == 3


def test_a_worker_killed_after_the_work_but_before_storing_the_answer_leaves_no_double(mopti, transactional_db):
    """The claim, the work and the answer are one transaction: killed in between, none of them stays."""
    port = procs.free_port()
    process = procs.start_web(port, "--stall-before-answer")
    try:
        officer = mopti["officer"]
        thread = _send_in_background(port, officer, "/api/v1/households/", REGISTRATION, "offline-reg-2")
        _kill_mid_request(process)
        thread.join(timeout=10)
    finally:
        procs.stop(process)
    assert Household.objects.count() == 0
    retry = _post(client_for(officer), "/api/v1/households/", REGISTRATION, "offline-reg-2")
    assert retry.status_code == 201, retry.json()
    assert Household.objects.count() == 1  # registered once, not twice
