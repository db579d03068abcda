"""The README's partner-API calls, run as written (curl in bash) against the demo on a live server (issue 18):
an example that stops working fails here, not in a partner's first hour."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from demo.loader import load_demo
from distributions.models import Receipt

README = Path(__file__).resolve().parents[2] / "README.md"
DEMO_ADDRESS = "http://127.0.0.1:8000"
# curl prints each answer's status on stderr, so the examples' own pipes and $(...) see only the bodies.
PREAMBLE = "set -euo pipefail\ncurl() { command curl --write-out '%{stderr}%{http_code}\\n' \"$@\"; }\n"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def readme_examples() -> list[tuple[str, str]]:
    """The numbered examples (`# 1. …`) of the README's partner-API shell block: (title, commands)."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    block = next(block for block in blocks if "/api/v1/auth/token/" in block)
    parts = re.split(r"^(# \d+\. .*)$", block, flags=re.M)
    return [(parts[index].strip(), parts[index + 1]) for index in range(1, len(parts), 2)]


def run(script: str, base: str) -> tuple[list[str], list[int]]:
    answer = subprocess.run(  # noqa: S603 - our README's own commands, against the test server
        ["/bin/bash", "-c", PREAMBLE + script.replace(DEMO_ADDRESS, base)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    bodies = [part for part in answer.stdout.split("\n@@EXAMPLE@@\n")]
    return bodies, [int(line) for line in answer.stderr.split() if line.isdigit()]


def test_the_readmes_api_examples_run_as_written(live_server, transactional_db):
    load_demo()
    examples = readme_examples()
    assert [title[:4] for title, _ in examples] == ["# 1.", "# 2.", "# 3.", "# 4."]
    script = "".join(commands + "\necho; echo '@@EXAMPLE@@'\n" for _title, commands in examples)
    bodies, statuses = run(script, live_server.url)
    # 1 token, 2 distributions, 3 receipts, 4 the distribution's id then the receipt.
    assert statuses == [200, 200, 200, 200, 201], bodies
    distributions = json.loads(bodies[1])["results"]
    assert distributions and {row["status"] for row in distributions} == {"ongoing"}
    receipts = json.loads(bodies[2])["results"]
    assert receipts and {row["project"] for row in receipts} == {"MLI-JPN-2024-SNFI"}
    assert all(row["received_at"].startswith("2024-07") for row in receipts)
    recorded = json.loads(bodies[3])
    assert recorded["kit_type"] == "WINTER-IQ" and recorded["client_uuid"] == "0b6f7a1e-4c55-4a43-9b8e-2f3d1c7a9e10"
    # Resending example 4 (a retry after a lost answer) stores nothing twice: the stored answer comes back.
    _bodies, statuses = run(examples[0][1] + examples[3][1], live_server.url)
    assert statuses == [200, 200, 201]
    assert Receipt.objects.filter(client_uuid="0b6f7a1e-4c55-4a43-9b8e-2f3d1c7a9e10").count() == 1
