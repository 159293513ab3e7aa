"""The Procfile as production runs it: its web process, a worker per queue and beat, together on PostgreSQL
and Redis (marked ``postgresql``, see tests/conftest.py). Beat's schedule reaches a worker and the database."""

import os
import signal
import socket
import subprocess

import pytest
import requests
from django.db import connection

from portal.celery import app
from portal.models import AuditEvent
from tests.portal.test_process_model import ROOT, free_port, procfile, production_env
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]
QUEUES = {"default", "anewspring", "pe_online", "learning_assistant"}


def healthz(port: int) -> dict | None:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
    except requests.RequestException:  # not listening yet, or still loading the portal
        return None


def test_web_a_worker_per_queue_and_beat_run_together(workers, tmp_path):
    """``workers`` empties the tests' broker database and points the test process's Celery app at it."""
    db, broker, port = connection.settings_dict, workers.env["CELERY_BROKER_URL"], free_port()
    env = production_env(DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                         CELERY_BROKER_URL=broker, CACHE_URL=broker, ALLOWED_HOSTS="127.0.0.1",
                         WEB_CONCURRENCY="1", WORKER_CONCURRENCY="1", AUDIT_VERIFY_SECONDS="1", LOG_LEVEL="WARNING",
                         PYTHONPATH=str(ROOT))
    processes = {}
    for name, command in procfile().items():
        web = name == "web"
        # As honcho runs them (sh -c); beat keeps its schedule file in a directory of its own.
        line = " ".join(command) + (f" --bind 127.0.0.1:{port}" if web else "")
        processes[name] = subprocess.Popen(["sh", "-c", line], cwd=ROOT if web else tmp_path, env=env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                           start_new_session=True)
    try:
        wait_for(lambda: healthz(port) == {"database": "ok", "broker": "ok"}, what="the web process")
        host = socket.gethostname()
        wait_for(lambda: {f"{queue}@{host}" for queue in QUEUES}
                 <= {name for reply in app.control.ping(timeout=1) for name in reply}, what="a worker per queue")
        consumed = app.control.inspect(timeout=2).active_queues()
        assert {name.split("@")[0]: [queue["name"] for queue in queues] for name, queues in consumed.items()} == {
            queue: [queue] for queue in QUEUES}
        # Beat sends the audit log's check every second (AUDIT_VERIFY_SECONDS); the default queue's worker runs it.
        wait_for(lambda: AuditEvent.objects.filter(action="audit.verify", actor="beat").exists(), what="beat's task")
        assert all(process.poll() is None for process in processes.values())
    finally:
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        errors = {name: process.communicate(timeout=30)[1] for name, process in processes.items()}
    assert not any("Traceback" in text for text in errors.values()), errors
