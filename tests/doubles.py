"""Stand-ins for collaborators that are not remote systems (those get sandboxes)."""

import threading
from contextlib import contextmanager

from django.db import connections

from portal.jobs import job_handler, job_launch
from portal.locks import lock_hold
from portal.models import Job


class RecordingProgress:
    """Takes a job's progress reports, as portal.jobs.JobProgress would, and keeps them for asserts."""

    def __init__(self):
        self.total, self.done = None, 0

    def set_total(self, total):
        self.total = total

    def advance(self, count=1):
        self.done += count


class JobGate:
    """A job kind whose jobs wait until the test opens the gate. With one background thread (no broker), a
    gate job keeps it busy, so the jobs launched after it are seen waiting their turn, then running."""

    KIND = "test_gate"

    def __init__(self):
        self.opened = threading.Event()
        self.connections = []  # each job's own database connection, to see that it is closed afterwards

    def launch(self, user=None, **params) -> Job:
        return job_launch(kind=self.KIND, title="Waits for the gate", params=params, user=user)

    def open(self) -> None:
        self.opened.set()


job_gate = JobGate()


@job_handler(JobGate.KIND)
def gate_job(job, progress) -> dict:
    job_gate.connections.append(connections["default"])
    if not job_gate.opened.wait(10):
        raise TimeoutError("The test never opened the gate")
    Job.objects.filter(pk=job.pk).exists()  # the job uses its connection after waiting
    if job.params.get("fail"):
        raise ValueError("The file ended in the middle of row 3")
    return {"summary": "The gate opened."}


@contextmanager
def held_elsewhere(name: str):
    """``name`` held by another thread (another connection, as another worker would) until the block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        try:
            with lock_hold(name) as got:
                assert got
                taken.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)
