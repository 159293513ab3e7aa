from celery import shared_task

from portal import jobs, notifications
from portal.audit import audit_chain_check, audit_context
from portal.imports import services as imports
from portal.locks import exclusive


@shared_task(name="portal.tasks.job_run", acks_late=True)
def job_run(job_id: int) -> str:
    return jobs.job_run_now(job_id).status


@shared_task(name="portal.tasks.jobs_resume_interrupted", ignore_result=True)
def jobs_resume_interrupted() -> dict:
    """Celery beat: queue again the jobs whose worker died while running them."""
    return jobs.jobs_resume_interrupted()


@shared_task(name="portal.tasks.audit_verify", ignore_result=True)
def audit_verify() -> bool:
    """Celery beat: recompute the audit log's hash chain; the dashboard shows the verdict."""
    with audit_context(actor="beat"):
        return audit_chain_check().ok


@shared_task(name="portal.tasks.import_uploads_expire", ignore_result=True)
@exclusive("import_uploads_expire")
def import_uploads_expire() -> dict:
    """Celery beat: delete the uploaded files that no check will read any more."""
    with audit_context(actor="beat"):
        return imports.learner_import_uploads_expire()


@shared_task(name="portal.tasks.notification_digests_send", ignore_result=True)
@exclusive("notification_digests_send")
def notification_digests_send() -> dict:
    """Celery beat (hourly): the daily worklist digests, at most one per user a day."""
    with audit_context(actor="beat"):
        return notifications.digests_send()
