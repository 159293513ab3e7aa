"""Background jobs with progress: imports, syncs and bulk actions.

A service starts one with :func:`job_launch`, which runs the job's handler in a Celery task once
the transaction commits (without a broker: on a background thread of this process, see
:class:`LocalRunner`). Handlers are registered per ``kind`` with :func:`job_handler` and report
progress through the :class:`JobProgress` they are given; the job page polls it. Starting,
finishing and failing are audit events carrying the job's correlation id, so the job page links
to everything the job did.
"""

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from portal import notifications
from portal.audit import audit_context, audit_record, current_context, stored_text
from portal.integrations import integration_get, integration_require
from portal.locks import exclusive, lock_free, lock_hold
from portal.models import AuditEvent, Job

logger = logging.getLogger(__name__)

# kind -> dotted path of ``handler(job, progress) -> dict`` (the job's result); the integration whose
# queue it runs on, or its own queue; the template that shows its result on the job page (when the
# summary is not enough).
_HANDLERS: dict[str, str] = {}
_INTEGRATIONS: dict[str, str] = {}
_QUEUES: dict[str, str] = {}
_RESULT_TEMPLATES: dict[str, str] = {}


def job_handler(kind: str, *, integration: str = "", queue: str = "default", result_template: str = "") -> Callable:
    """Register a job kind. A job that calls a remote system names its ``integration`` and runs on
    that integration's queue (DESIGN: one queue per system), so a slow system holds up only its
    own jobs; ``queue`` is for the rest."""

    def register(func):
        _HANDLERS[kind] = f"{func.__module__}.{func.__qualname__}"
        _INTEGRATIONS[kind], _QUEUES[kind] = integration, queue
        if result_template:
            _RESULT_TEMPLATES[kind] = result_template
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


# What the jobs list calls each kind (a kind not named here is shown as its code).
KIND_LABELS = {
    "learner_import_preview": _("Learner file checked"),
    "learner_import": _("Learners imported"),
    "catalogue_sync": _("Catalogue synchronised"),
    "subscriptions_bulk": _("Learners subscribed"),
    "learner_group_sync": _("Group synchronised"),
    "anewspring_learners_push": _("Learners sent to aNewSpring"),
    "pe_awards_rules": _("PE awards worked out again"),
    "pe_awards_submit": _("PE awards submitted"),
    "event_import_preview": _("Event file checked"),
    "event_import": _("Events imported"),
    "learning_assistant_reference_sync": _("Learning Assistant lists synchronised"),
    "learning_assistant_bulk_enrol": _("Learners enrolled in Learning Assistant"),
}


def job_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def job_kind_choices() -> list[tuple[str, str]]:
    """(kind, label) for every registered kind, by label in the active language."""
    return sorted(((kind, job_kind_label(kind)) for kind in _HANDLERS), key=lambda choice: choice[1].lower())


def job_result_template(kind: str) -> str:
    return _RESULT_TEMPLATES.get(kind, "")


def job_create(*, kind: str, title: str | Promise, params: dict, user, total: int, correlation_id) -> Job:
    if kind not in _HANDLERS:
        raise ValueError(f"No handler for job kind {kind!r}")
    # Kept in English, as the audit log keeps its summaries (a lazy title is rendered so); pages translate it.
    return Job.objects.create(kind=kind, title=stored_text(title)[:255], params=params, created_by=user, total=total,
                              correlation_id=correlation_id)


def job_launch(*, kind: str, title: str | Promise, params: dict, user=None, total: int = 0, correlation_id=None,
               requires: str | None = None) -> Job:
    """The one way a service starts background work: check the remote system it ``requires`` is
    configured (:class:`~portal.integrations.NotConfigured` otherwise), create the job, record
    its start, and run it once the caller's transaction commits.

    The job shares ``correlation_id``, by default the one of the action starting it, so the
    audit log shows the action and everything the job did together."""
    if requires:
        integration_require(requires)
    correlation_id = correlation_id or current_context().correlation_id or uuid.uuid4()
    with audit_context(user=user, correlation_id=correlation_id), transaction.atomic():
        job = job_create(kind=kind, title=title, params=params, user=user, total=total,
                         correlation_id=correlation_id)
        audit_record(action="job.start", obj=job, summary=job.title)
        transaction.on_commit(lambda: _enqueue(job))
    return job


def _on_local_threads() -> bool:
    """No broker, and background threads allowed: work goes to :data:`local_runner`."""
    from portal.celery import app

    return bool(app.conf.task_always_eager and settings.JOBS_LOCAL_THREADS)


def _enqueue(job: Job) -> None:
    from portal.tasks import job_run

    if _on_local_threads():
        local_runner.submit(job.pk)
    else:  # to the broker, or (JOBS_LOCAL_THREADS=0, the tests) here and now
        job_run.apply_async(args=[job.pk], queue=job_queue(job.kind))


def task_send(task, *args) -> None:
    """``task.delay(*args)``; without a broker, on a background thread of this process (see LocalRunner), so
    the request that sends it (a webhook delivery, answered at once) does not wait for the work."""
    if _on_local_threads():
        local_runner.call(partial(task, *args))
    else:
        task.delay(*args)


class LocalRunner:
    """Without a broker (the zero-set-up default), jobs run on ``JOBS_LOCAL_THREADS`` background threads
    of the process that starts them, so the request answers at once and its page follows the job, as
    with a worker. As in a worker, the job's audit context (its user, its correlation id) comes from the
    job itself, not from the request. Each thread uses a database connection of its own and closes it
    after each job.

    The threads are daemons: the process exits without waiting for them. Without a broker there is no
    beat either, so the first request of the next process runs again what an earlier one left: the
    jobs it cut off (*running*, their lock free) and those still waiting in its queue (:meth:`recover`)."""

    def __init__(self):
        self._queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._starting = threading.Lock()
        self._recovered = False

    def submit(self, job_id: int) -> None:
        self.call(partial(self._run, job_id))

    def process_started(self, **kwargs) -> None:
        """``request_started`` (without a broker): the first request of a process has it :meth:`recover`."""
        with self._starting:
            if self._recovered:
                return
            self._recovered = True
        self.recover()

    def recover(self) -> None:
        """Queue again the jobs an earlier process left behind (cut off, or still waiting their turn), and run
        the sweeps apps registered for what else it left (:func:`local_sweep_register`)."""
        self.call(partial(jobs_resume_interrupted, queued_before=timezone.now()))
        for sweep in _local_sweeps:
            self.call(sweep)

    def join(self) -> None:
        """Wait until everything submitted so far has run (for the tests)."""
        self._queue.join()

    def call(self, work: Callable[[], object]) -> None:
        """Run ``work`` on one of the threads (started as needed), after what was put before it."""
        with self._starting:
            self._threads = [thread for thread in self._threads if thread.is_alive()]  # none survive a fork
            while len(self._threads) < settings.JOBS_LOCAL_THREADS:
                thread = threading.Thread(target=self._work, name=f"portal-job-{len(self._threads) + 1}",
                                          daemon=True)
                thread.start()
                self._threads.append(thread)
        self._queue.put(work)

    def _work(self) -> None:
        while True:
            work = self._queue.get()
            try:
                work()
            except Exception:
                logger.exception("Background work failed")
            finally:
                connections.close_all()
                self._queue.task_done()

    @staticmethod
    def _run(job_id: int) -> None:
        try:
            job_run_now(job_id)
        except Exception as exc:  # outside the handler (the database, the lock): the job must not hang
            logger.exception("Job %s could not run", job_id)
            _job_fail_unfinished(job_id, exc)


local_runner = LocalRunner()
_local_sweeps: list[Callable[[], object]] = []


def local_sweep_register(sweep: Callable[[], object]) -> None:
    """A beat sweep an app needs even without a broker (a webhook delivery an exited process never
    processed): the first request of each process runs it, as it resumes the jobs left behind."""
    _local_sweeps.append(sweep)


def jobs_local_wait() -> None:
    """Wait until the jobs this process runs without a broker have run (a command, before it exits)."""
    local_runner.join()


def job_queue(kind: str) -> str:
    """The Celery queue of a job kind; an integration's is looked up when the job starts, as apps
    register their integrations after their job handlers are imported."""
    if _INTEGRATIONS[kind]:
        return integration_get(_INTEGRATIONS[kind]).queue
    return _QUEUES[kind]


def job_run_now(job_id: int) -> Job:
    """Run one job to its end in this process; called by the Celery task.

    A job runs under its own lock, so a second copy of its message (a broker redelivering it, the
    sweep of :func:`jobs_resume_interrupted`) never runs it twice at once. A job found *running*
    while its lock is free was left by a worker that died: it is resumed, and its handler skips
    what the earlier run finished."""
    with lock_hold(f"job:{job_id}") as taken:
        if not taken:
            logger.info("Job %s is running in another worker; not run twice", job_id)
            return Job.objects.get(pk=job_id)
        return _job_run(Job.objects.select_related("created_by").get(pk=job_id))


def _job_run(job: Job) -> Job:
    if job.finished:
        logger.info("Job %s is %s already; not run again", job.pk, job.status)
        return job
    resumed = job.status == Job.RUNNING
    Job.objects.filter(pk=job.pk).update(status=Job.RUNNING)
    job.status = Job.RUNNING
    handler = import_string(_HANDLERS[job.kind])
    with audit_context(user=job.created_by, actor="system", correlation_id=job.correlation_id):
        if resumed:
            audit_record(action="job.resume", obj=job, summary=job.title)
        try:
            result = handler(job, JobProgress(job))
        except Exception as exc:  # whatever broke (a remote system, a file, a bug), the job and the log say so
            logger.exception("Job %s failed", job.pk)
            _job_fail(job, exc)
        else:
            Job.objects.filter(pk=job.pk).update(
                status=Job.SUCCEEDED, result=result or {}, done=job.total or job.done, finished_at=timezone.now()
            )
            job.refresh_from_db()
            audit_record(action="job.finish", obj=job, summary=str(job.result.get("summary") or job.title)[:500])
    return job


def _job_fail(job: Job, exc: Exception) -> None:
    job_fail(job, getattr(exc, "message", "") or str(exc) or type(exc).__name__)


def job_fail(job: Job, error: str) -> None:
    """Mark ``job`` failed with ``error``, which its page shows, and audit it (in the caller's audit context)."""
    error = str(error)[:2000]
    Job.objects.filter(pk=job.pk).update(status=Job.FAILED, error=error, finished_at=timezone.now())
    job.refresh_from_db()
    audit_record(action="job.fail", outcome=AuditEvent.OUTCOME_FAILURE, obj=job, summary=job.title, error=error)
    transaction.on_commit(partial(notifications.job_failed_notify, job_id=job.pk), robust=True)  # never fails the job


def _job_fail_unfinished(job_id: int, exc: Exception) -> None:
    """Record as failed a job that broke outside its handler, unless it finished; if even that fails, the
    log has both errors."""
    try:
        job = Job.objects.select_related("created_by").get(pk=job_id)
        if not job.finished:
            with audit_context(user=job.created_by, actor="system", correlation_id=job.correlation_id):
                _job_fail(job, exc)
    except Exception:
        logger.exception("Job %s could not be marked failed", job_id)


# Running jobs one sweep looks at, the oldest first.
RESUME_BATCH = 100


@exclusive("jobs_resume_interrupted")
def jobs_resume_interrupted(*, queued_before=None) -> dict:
    """Beat: queue again every job left *running* by a worker that died (its lock is free), so it
    completes without waiting for the broker to redeliver its message. With ``queued_before``, also
    the jobs queued before then: without a broker, their queue was the memory of a process now gone."""
    left = Q(status=Job.RUNNING)
    if queued_before:
        left |= Q(status=Job.QUEUED, created_at__lt=queued_before)
    resumed = []
    for job in Job.objects.filter(left).order_by("created_at")[:RESUME_BATCH]:
        if lock_free(f"job:{job.pk}"):
            _enqueue(job)
            resumed.append(job.pk)
    if resumed:
        logger.warning("Jobs %s were left running by a worker that stopped; queued again", resumed)
    return {"resumed": resumed}
