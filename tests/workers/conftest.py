"""Real Celery worker processes on the Redis broker and the test database, talking to the sandboxes
on loopback: what production runs, started and killed by the tests."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import translation

from portal.celery import app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "default,anewspring,pe_online,learning_assistant"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def wait_for(condition, *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s in vain for {what or condition}")
        time.sleep(0.05)


class Workers:
    """Worker processes started with the environment production gives them (``configure`` adds the
    sandboxes' addresses), each consuming every queue."""

    def __init__(self, broker: str):
        db = connection.settings_dict
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "false",
                    "SECRET_KEY": "test-only-" + "x" * 50, "ALLOWED_HOSTS": "localhost",
                    "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                    "CELERY_BROKER_URL": broker, "LOG_LEVEL": "WARNING"}
        self.processes: dict[str, subprocess.Popen] = {}

    def configure(self, **variables: str) -> None:
        self.env.update(variables)

    def start(self, *names: str) -> None:
        for name in names:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-Q", QUEUES,
                 "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel=WARNING"],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(self._all_answer, timeout=60, what=f"workers {sorted(self.processes)} to answer a ping")

    def _all_answer(self) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"worker {name} stopped: {process.stderr.read().decode(errors='replace')}")
        answered = {reply.split("@")[0] for replies in app.control.ping(timeout=1) for reply in replies}
        return set(self.processes) <= answered

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, no acknowledgement, its database connection just drops."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()

    def idle(self) -> bool:
        inspect = app.control.inspect(timeout=0.5)
        active, reserved = inspect.active() or {}, inspect.reserved() or {}
        return len(active) == len(self.processes) and not any(active.values()) and not any(reserved.values())

    def stop(self) -> str:
        """Kill what is left (nothing the tests look at runs any more) and return what they wrote on stderr."""
        errors = []
        for process in self.processes.values():
            process.kill()
            process.wait(timeout=10)
            errors.append(process.stderr.read().decode(errors="replace"))
            process.stderr.close()
        self.processes.clear()
        return "\n".join(errors)


@pytest.fixture
def workers():
    """Start workers with ``workers.start("w1", "w2")``; the broker's database is the tests' own and
    is emptied first, so no message of an earlier (killed) run is delivered again."""
    broker = os.environ["CELERY_BROKER_URL"]
    redis.Redis.from_url(broker).flushdb()
    app.conf.update(broker_url=broker, task_always_eager=False)
    running = Workers(broker)
    try:
        yield running
    finally:
        errors = running.stop()
        app.conf.task_always_eager = True
        redis.Redis.from_url(broker).flushdb()
    assert "Traceback" not in errors, errors
