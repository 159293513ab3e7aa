"""Background jobs: started through job_launch, and their start, end and failure in the audit log."""

import uuid

import pytest
from django.db import connections
from django.urls import reverse

from portal import jobs
from portal.audit import audit_context
from portal.integrations import NotConfigured
from portal.jobs import job_handler, job_launch, jobs_local_wait
from portal.models import AuditEvent, Job

pytestmark = pytest.mark.django_db


@job_handler("test_counts")
def counting_job(job, progress) -> dict:
    progress.set_total(3)
    progress.advance(3)
    return {"summary": "Counted to 3."}


@job_handler("test_breaks")
def breaking_job(job, progress) -> dict:
    # Not a remote failure: a file that turned out unreadable, a bug.
    raise ValueError("Row 2 is not CSV: unexpected end of data")


def launch(kind, django_capture_on_commit_callbacks, **kwargs) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_launch(kind=kind, title=f"A {kind} job", params={}, **kwargs)
    job.refresh_from_db()
    return job


def job_events(job):
    return AuditEvent.objects.filter(object_type="portal.job", object_id=str(job.pk)).order_by("id")


def test_start_and_finish_are_audited_with_the_jobs_correlation_id(coordinator, django_capture_on_commit_callbacks):
    correlation_id = uuid.uuid4()
    job = launch("test_counts", django_capture_on_commit_callbacks, user=coordinator, correlation_id=correlation_id)
    assert job.status == Job.SUCCEEDED and job.correlation_id == correlation_id
    events = job_events(job)
    assert [(e.action, e.outcome, e.correlation_id) for e in events] == [
        ("job.start", "success", correlation_id), ("job.finish", "success", correlation_id)]
    assert events[0].actor == coordinator.username and events[1].summary == "Counted to 3."


def test_a_job_shares_the_correlation_id_of_the_action_that_started_it(django_capture_on_commit_callbacks):
    with audit_context(actor="command") as context:
        job = launch("test_counts", django_capture_on_commit_callbacks)
    assert job.correlation_id == context.correlation_id


def test_any_failure_is_audited_and_shown_on_the_job_page(coordinator_client, django_capture_on_commit_callbacks):
    job = launch("test_breaks", django_capture_on_commit_callbacks)
    assert job.status == Job.FAILED and job.error == "Row 2 is not CSV: unexpected end of data"
    failed = job_events(job).get(action="job.fail")
    assert (failed.outcome, failed.error, failed.correlation_id) == (
        "failure", "Row 2 is not CSV: unexpected end of data", job.correlation_id)
    page = coordinator_client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Row 2 is not CSV: unexpected end of data" in page and 'data-job-status="failed"' in page
    assert f"?correlation_id={job.correlation_id}" in page


def test_a_job_needing_an_unconfigured_system_is_not_started():
    with pytest.raises(NotConfigured, match="aNewSpring is not configured"):
        job_launch(kind="test_counts", title="Needs aNewSpring", params={}, requires="anewspring")
    assert not Job.objects.exists() and not AuditEvent.objects.exists()


# --- without a broker: background threads of the web process --------------------------------------
@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_job_runs_after_the_request_on_a_thread_of_its_own(job_threads, coordinator):
    with audit_context(user=coordinator) as request_context:
        job = job_threads.launch(user=coordinator)

    job.refresh_from_db()
    assert not job.finished  # the launch returned with the job still to run
    job_threads.open()
    jobs_local_wait()
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.result == {"summary": "The gate opened."}
    assert [(e.action, e.actor, e.correlation_id) for e in job_events(job)] == [
        ("job.start", coordinator.username, request_context.correlation_id),
        ("job.finish", coordinator.username, request_context.correlation_id)]
    job_connection = job_threads.connections[0]
    assert job_connection is not connections["default"]
    if job_connection.vendor == "postgresql":  # Django never closes SQLite's in-memory test database
        assert job_connection.connection is None


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_failing_job_is_recorded_as_failed(job_threads, coordinator_client):
    job = job_threads.launch(fail=True)
    job_threads.open()
    jobs_local_wait()

    job.refresh_from_db()
    assert job.status == Job.FAILED and job.error == "The file ended in the middle of row 3"
    failed = job_events(job).get(action="job.fail")
    assert (failed.outcome, failed.correlation_id) == ("failure", job.correlation_id)
    page = coordinator_client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'data-job-status="failed"' in page and "The file ended in the middle of row 3" in page


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_new_process_runs_the_jobs_an_earlier_one_left(job_threads):
    """Without a broker there is no beat: the first request of a process does its sweep, for the jobs the
    last process cut off (running, their lock free) and those it had still queued in its memory."""
    cut_off = Job.objects.create(kind=job_threads.KIND, title="Cut off", status=Job.RUNNING)
    waiting = Job.objects.create(kind=job_threads.KIND, title="Waiting its turn")
    job_threads.open()

    jobs.local_runner.recover()
    jobs_local_wait()

    for job in (cut_off, waiting):
        job.refresh_from_db()
        assert job.status == Job.SUCCEEDED, job.title
    assert list(job_events(cut_off).values_list("action", flat=True)) == ["job.resume", "job.finish"]
    assert list(job_events(waiting).values_list("action", flat=True)) == ["job.finish"]
