"""Locks per job and per periodic task kind, on whichever database runs the tests (PostgreSQL: advisory
locks; SQLite: the cache). "Another worker" is a thread with its own database connection."""

import pytest

from portal.jobs import job_handler, job_run_now, jobs_resume_interrupted
from portal.locks import exclusive, lock_free, lock_hold
from portal.models import AuditEvent, Job
from tests.doubles import held_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)
runs = []


@job_handler("test_resumable")
def resumable_job(job, progress) -> dict:
    """Goes on after the items an earlier run recorded in its result."""
    done = job.result.get("done", [])
    runs.append([item for item in job.params["items"] if item not in done])
    return {"done": job.params["items"]}


def job(status=Job.QUEUED, **result) -> Job:
    return Job.objects.create(kind="test_resumable", title="Resumable", params={"items": [1, 2, 3]}, status=status,
                              result=result)


@pytest.fixture(autouse=True)
def no_runs_yet():
    runs.clear()


def test_a_lock_another_worker_holds_is_not_taken_until_it_is_released():
    with held_elsewhere("demo"):
        with lock_hold("demo") as taken:
            assert not taken
        assert not lock_free("demo")
    with lock_hold("demo") as taken:
        assert taken
    assert lock_free("demo")


def test_a_lock_is_released_when_the_work_fails():
    with pytest.raises(ValueError), lock_hold("failing"):
        raise ValueError("broken")
    assert lock_free("failing")


def test_a_periodic_task_already_running_elsewhere_is_skipped():
    calls = []
    pull = exclusive("test_pull")(lambda: calls.append(1) or {"pulled": 1})
    with held_elsewhere("periodic:test_pull"):
        assert pull() == {"skipped": "running elsewhere"}
    assert pull() == {"pulled": 1} and calls == [1]


def test_a_job_running_in_another_worker_is_not_run_a_second_time():
    running = job()
    with held_elsewhere(f"job:{running.pk}"):
        assert job_run_now(running.pk).status == Job.QUEUED
    assert runs == []
    assert job_run_now(running.pk).status == Job.SUCCEEDED
    assert job_run_now(running.pk).status == Job.SUCCEEDED  # a late second delivery does nothing
    assert runs == [[1, 2, 3]]


def test_a_job_left_running_by_a_dead_worker_resumes_after_what_it_finished():
    left = job(Job.RUNNING, done=[1])
    jobs_resume_interrupted()  # no broker in these tests: the job runs here and now
    left.refresh_from_db()
    assert left.status == Job.SUCCEEDED and runs == [[2, 3]]
    resumed = AuditEvent.objects.get(action="job.resume")
    assert resumed.object_id == str(left.pk) and resumed.correlation_id == left.correlation_id


def test_the_sweep_leaves_a_job_alone_whose_worker_still_runs_it():
    running = job(Job.RUNNING)
    with held_elsewhere(f"job:{running.pk}"):
        assert jobs_resume_interrupted() == {"resumed": []}
    running.refresh_from_db()
    assert running.status == Job.RUNNING and runs == []
