"""The embedded PostgreSQL of `make run` and `make test`: where it runs, restarts, crashes, refusals.

Each test drives config/embedded_postgres.py in child processes on a scratch folder
(EMBEDDED_POSTGRES_DIR), as `make run` would, so the suite's own server is never touched.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from config import embedded_postgres

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def scratch():
    """A scratch folder for a server of its own, under var/ (pytest's own temp root is made private
    again by every pytest run on the machine, which would lock the server's system user out)."""
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="pg-test-", dir=PROJECT_ROOT / "var"))
    yield folder / "pg"
    _python("from config import embedded_postgres as e; e.stop()", EMBEDDED_POSTGRES_DIR=str(folder / "pg"))
    shutil.rmtree(folder, ignore_errors=True)


def _python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def _status(root: Path) -> dict:
    done = _python(
        "import json; from config import embedded_postgres as e; print(json.dumps(e.status()))",
        EMBEDDED_POSTGRES_DIR=str(root),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SQL = """
import sys, psycopg
from config import embedded_postgres as e
with psycopg.connect(e.ensure_running(), autocommit=True) as c:
    print(c.execute(sys.argv[1] if len(sys.argv) > 1 else {sql!r}).fetchone())
"""


def test_the_suite_runs_on_the_embedded_server_unless_database_url_is_set():
    host = connection.settings_dict["HOST"]
    if os.environ.get("DATABASE_URL"):
        assert not str(host).startswith(str(embedded_postgres.ROOT))
    else:
        assert host == str(embedded_postgres.socket_dir())
        assert connection.settings_dict["PORT"] in ("", None)  # a socket only: 5432 on the machine is not used


def test_started_on_demand_kept_between_runs_and_stopped_by_the_last_process(scratch):
    root = scratch
    first = _python(
        "import psycopg\nfrom config import embedded_postgres as e\n"
        "with psycopg.connect(e.ensure_running(), autocommit=True) as c:\n"
        "    c.execute('CREATE TABLE kept AS SELECT 42 AS answer')\n"
        "    print(c.execute(\"SELECT name FROM pg_available_extensions WHERE name = 'pg_trgm'\").fetchone())",
        EMBEDDED_POSTGRES_DIR=str(root),
    )
    assert first.returncode == 0, first.stderr
    assert "pg_trgm" in first.stdout
    assert _status(root)["running"] is False  # the last (only) user exited: stopped cleanly
    assert "database system is shut down" in (root / "postgres.log").read_text()

    second = _python(SQL.format(sql="SELECT answer FROM kept"), EMBEDDED_POSTGRES_DIR=str(root))
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "(42,)"  # the data survived the stop


def test_a_server_left_by_a_crash_is_recovered_not_a_startup_error(scratch):
    root = scratch
    started = _python(
        "import psycopg\nfrom config import embedded_postgres as e\n"
        "with psycopg.connect(e.ensure_running(register=False), autocommit=True) as c:\n"
        "    c.execute('CREATE TABLE kept AS SELECT 7 AS answer')",
        EMBEDDED_POSTGRES_DIR=str(root),
    )
    assert started.returncode == 0, started.stderr
    status = _status(root)
    assert status["running"] is True  # not registered: left running, as after a crash of its owner
    os.kill(status["pid"], signal.SIGKILL)  # the server itself dies: a stale postmaster.pid stays
    for _ in range(50):
        if not _status(root)["running"]:
            break
        time.sleep(0.1)
    # The children of a killed postmaster exit on their own; the pid file still names the dead one.
    again = _python(SQL.format(sql="SELECT answer FROM kept"), EMBEDDED_POSTGRES_DIR=str(root))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "(7,)"
    assert _status(root)["running"] is False


def test_a_process_killed_outright_does_not_keep_the_server_forever(scratch):
    root = scratch
    code = (
        "import time\nfrom config import embedded_postgres as e\n"
        "e.ensure_running()\nprint('up', flush=True)\ntime.sleep(60)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment["EMBEDDED_POSTGRES_DIR"] = str(root)
    holder = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "up"
        holder.kill()  # SIGKILL: no atexit, its pid stays in the registry
        holder.wait(timeout=10)
        assert _status(root)["running"] is True
        # The next user prunes the dead pid; when it exits, it is the last one and stops the server.
        done = _python(SQL.format(sql="SELECT 1"), EMBEDDED_POSTGRES_DIR=str(root))
        assert done.returncode == 0, done.stderr
        assert _status(root)["running"] is False
    finally:
        if holder.poll() is None:
            holder.kill()


def test_a_stale_pid_file_naming_another_live_process_is_cleared_not_signalled(scratch):
    started = _python(SQL.format(sql="SELECT 1"), EMBEDDED_POSTGRES_DIR=str(scratch))
    assert started.returncode == 0, started.stderr
    bystander = subprocess.Popen(["sleep", "60"])  # noqa: S607 - a process that reused the old pid
    try:
        pid_file = scratch / "data" / "postmaster.pid"
        pid_file.write_text(f"{bystander.pid}\n{scratch / 'data'}\n{int(time.time())}\n5432\n\n\n0 0\nready\n")
        assert _status(scratch)["running"] is False
        again = _python(SQL.format(sql="SELECT 2"), EMBEDDED_POSTGRES_DIR=str(scratch))
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == "(2,)"
        assert bystander.poll() is None  # never signalled
    finally:
        bystander.kill()


def test_a_folder_with_spaces_in_its_path_works(scratch):
    root = scratch.parent / "My Projects" / "pg"
    root.parent.mkdir()
    done = _python(SQL.format(sql="SELECT 3"), EMBEDDED_POSTGRES_DIR=str(root))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(3,)"


@pytest.mark.parametrize("url", ["sqlite:///db.sqlite3", "mysql://root@127.0.0.1/tracker"])
def test_a_database_url_naming_another_engine_is_refused_at_start(url):
    done = _python(
        "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\ndjango.setup()",
        DATABASE_URL=url,
    )
    assert done.returncode != 0
    assert "PostgreSQL only" in done.stderr
