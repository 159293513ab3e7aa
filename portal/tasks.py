from celery import shared_task

from portal.audit import audit_chain_check, audit_context
from portal.jobs import job_run_now


@shared_task(name="portal.tasks.job_run", acks_late=True)
def job_run(job_id: int) -> str:
    return job_run_now(job_id).status


@shared_task(name="portal.tasks.audit_verify", ignore_result=True)
def audit_verify() -> bool:
    """Celery beat: recompute the audit log's hash chain; the dashboard shows the verdict."""
    with audit_context(actor="beat"):
        return audit_chain_check().ok
