"""Background jobs with progress: imports, syncs and bulk actions.

A service creates a :class:`~portal.models.Job` with :func:`job_create` and hands it to
:func:`job_start`, which runs the job's handler in a Celery task once the transaction
commits. Handlers are registered per ``kind`` with :func:`job_handler` and report progress
through the :class:`JobProgress` they are given; the job page polls it.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.audit import audit_context
from portal.integrations import integration_require
from portal.models import Job

logger = logging.getLogger(__name__)

# kind -> dotted path of ``handler(job, progress) -> dict`` (the job's result), and its Celery queue.
_HANDLERS: dict[str, str] = {}
_QUEUES: dict[str, str] = {}


def job_handler(kind: str, *, queue: str = "default") -> Callable:
    """Register a job kind. Jobs that call a remote system name its queue (DESIGN: one queue per
    system), so a slow system holds up only its own jobs."""

    def register(func):
        _HANDLERS[kind] = f"{func.__module__}.{func.__qualname__}"
        _QUEUES[kind] = queue
        return func

    return register


class JobProgress:
    """Writes progress at most every ``step`` items, so a 100k-row job does not write 100k times."""

    def __init__(self, job: Job, step: int = 200):
        self.job = job
        self.step = step

    def set_total(self, total: int) -> None:
        self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(total=total)

    def advance(self, count: int = 1) -> None:
        before = self.job.done
        self.job.done += count
        if self.job.done // self.step != before // self.step or self.job.done >= self.job.total:
            Job.objects.filter(pk=self.job.pk).update(done=self.job.done)


def job_create(*, kind: str, title: str, params: dict, user, total: int = 0, correlation_id=None) -> Job:
    if kind not in _HANDLERS:
        raise ValueError(f"No handler for job kind {kind!r}")
    extra = {"correlation_id": correlation_id} if correlation_id else {}
    return Job.objects.create(kind=kind, title=title, params=params, created_by=user, total=total, **extra)


def job_launch(*, kind: str, title: str, params: dict, user=None, total: int = 0, correlation_id=None,
               requires: str | None = None) -> Job:
    """The one way a service starts background work: check the remote system it ``requires`` is
    configured (:class:`~portal.integrations.NotConfigured` otherwise), create the job, and run it
    once the caller's transaction commits."""
    if requires:
        integration_require(requires)
    with transaction.atomic():
        job = job_create(kind=kind, title=title, params=params, user=user, total=total,
                         correlation_id=correlation_id)
        job_start(job)
    return job


def job_start(job: Job) -> None:
    from portal.tasks import job_run

    transaction.on_commit(lambda: job_run.apply_async(args=[job.pk], queue=_QUEUES[job.kind]))


def job_run_now(job_id: int) -> Job:
    """Run one job to its end in this process; called by the Celery task."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.status != Job.QUEUED:
        logger.info("Job %s is %s already; not run again", job.pk, job.status)
        return job
    Job.objects.filter(pk=job.pk).update(status=Job.RUNNING)
    job.status = Job.RUNNING
    handler = import_string(_HANDLERS[job.kind])
    with audit_context(user=job.created_by, actor="system", correlation_id=job.correlation_id):
        try:
            result = handler(job, JobProgress(job))
        except Exception as exc:
            logger.exception("Job %s failed", job.pk)
            Job.objects.filter(pk=job.pk).update(status=Job.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        else:
            Job.objects.filter(pk=job.pk).update(
                status=Job.SUCCEEDED, result=result or {}, done=job.total or job.done, finished_at=timezone.now()
            )
    job.refresh_from_db()
    return job
