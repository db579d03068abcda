"""Real processes for fault tests: a web process, a Celery worker and a Redis server of the test's own."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PROJECT_ROOT, _test_database_url, worker_command

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(**extra: str) -> dict[str, str]:
    """The environment of a process of the app on the test database (committed data only)."""
    return {**os.environ, "DATABASE_URL": _test_database_url(), **extra}


def start_web(port: int, *flags: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "tests.faults.web_process", str(port), *flags],
        cwd=PROJECT_ROOT,
        env=env or app_environment(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(worker_command(f"faults-{os.getpid()}@localhost"), cwd=PROJECT_ROOT, env=env)  # noqa: S603


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()


class RedisServer:
    """A redis-server of our own on a free port, that a test may stop and start again (nothing persisted)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Stop the server (SIGKILL: as an outage would, nothing flushed)."""
        stop(self.process)
        self.process = None
