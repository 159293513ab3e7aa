"""A learner import runs as a Celery job: through a real worker on the Redis broker when
CELERY_BROKER_URL is set (CI sets it), in-process (eager) otherwise."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from portal.celery import app
from portal.imports.services import learner_import_confirm, learner_import_preview
from portal.models import Job, Learner

CSV = (b"FirstName;LastName;ExternalID;Email;Custom1\r\n"
       b"Anna;Jansen;CEL-1;anna@example.org;19/39054148101\r\n"
       b"Jan;de Vries;CEL-2;jan@example.org;52/123456\r\n")


@pytest.fixture
def job_runner():
    """'worker' with a real worker thread consuming the broker, or 'eager' without a broker."""
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker:
        yield "eager"
        return
    app.conf.update(broker_url=broker, task_always_eager=False)
    app.control.purge()  # nothing left over from an earlier, interrupted run
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield "worker"
    finally:
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_an_import_job_runs_to_the_end(job_runner, coordinator):
    preview = learner_import_preview(data=CSV, file_name="celery.csv", update_existing=True, user=coordinator)
    confirmed = learner_import_confirm(learner_import=preview, valid_only=False, user=coordinator)

    deadline = time.monotonic() + 30
    job = Job.objects.get(pk=confirmed.job_id)
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()

    assert job.status == Job.SUCCEEDED, (job_runner, job.status, job.error)
    assert (job.done, job.total) == (2, 2)
    assert set(Learner.objects.values_list("external_id", flat=True)) == {"CEL-1", "CEL-2"}
