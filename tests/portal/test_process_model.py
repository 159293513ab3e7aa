"""The production process model: the Procfile's ``web`` command (gunicorn with deploy/gunicorn.conf.py) serves
the portal and its config refuses what cannot work; the Procfile's workers consume every queue, and one beat runs."""

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnop",
              "ALLOWED_HOSTS": "127.0.0.1"}


def procfile() -> dict[str, list[str]]:
    lines = (line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    return {name: shlex.split(command) for name, command in lines}


def procfile_command(name: str) -> list[str]:
    return procfile()[name]


def test_the_procfile_runs_a_worker_for_each_queue_and_one_beat():
    """A queue nobody consumes keeps its tasks for ever (a new integration's routes need a worker line)."""
    queues = {settings.CELERY_TASK_DEFAULT_QUEUE} | {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    workers = [command for command in procfile().values() if command[:4] == ["celery", "-A", "portal", "worker"]]
    consumed = [queue for command in workers for queue in command[command.index("-Q") + 1].split(",")]
    assert sorted(consumed) == sorted(queues)
    assert [command for command in procfile().values() if "beat" in command] == [["celery", "-A", "portal", "beat"]]


def production_env(**extra) -> dict:
    """The machine's environment without the portal's own settings (CI sets a database and a broker), plus
    production settings and ``extra``."""
    ours = {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CACHE_URL",
            "CELERY_BROKER_URL", "WEB_CONCURRENCY", "WEB_TIMEOUT", "WEB_STATEMENT_TIMEOUT"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return {**clean, "PATH": f"{BIN}{os.pathsep}{clean.get('PATH', '')}", **PRODUCTION, **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_procfile_web_process_serves_healthz_with_the_correlation_id_in_the_access_log(tmp_path):
    port = free_port()
    # An empty SQLite database answers /healthz; no background threads, which would look for the jobs' tables.
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", WEB_CONCURRENCY="1",
                         JOBS_LOCAL_THREADS="0")
    server = subprocess.Popen([*procfile_command("web"), "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.json() == {"database": "ok", "broker": "not configured"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        out, err = server.communicate(timeout=10)
    access = [line for line in out.splitlines() if "GET /healthz" in line]
    assert len(access) == 1, (out, err)
    assert "Using worker: gthread" in err and "Control socket" not in err
    assert re.search(r'"GET /healthz HTTP/1\.1" 200 \d+ \d+ms \[[0-9a-f-]{36}\]$', access[0]), access[0]


def check_config(**extra) -> subprocess.CompletedProcess:
    return subprocess.run([*procfile_command("web"), "--check-config"], cwd=ROOT, env=production_env(**extra),
                          capture_output=True, text=True, timeout=60)


def test_several_web_processes_need_a_shared_cache():
    refused = check_config(WEB_CONCURRENCY="3")
    assert refused.returncode != 0 and "WEB_CONCURRENCY=3 needs a shared CACHE_URL" in refused.stderr
    assert check_config(WEB_CONCURRENCY="3", CACHE_URL="redis://127.0.0.1:6379/1").returncode == 0


def test_the_worker_timeout_comes_after_the_statement_timeout_and_a_remote_call():
    refused = check_config(WEB_STATEMENT_TIMEOUT="60", WEB_TIMEOUT="45")
    assert refused.returncode != 0 and "WEB_TIMEOUT=45 must be above WEB_STATEMENT_TIMEOUT (60 s)" in refused.stderr
    assert check_config(WEB_STATEMENT_TIMEOUT="60", WEB_TIMEOUT="90").returncode == 0
