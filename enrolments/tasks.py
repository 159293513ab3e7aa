"""Celery tasks (queue ``learning_assistant``, see CELERY_TASK_ROUTES) started by beat."""

from celery import shared_task

from enrolments import services
from portal.audit import audit_context
from portal.locks import exclusive


@shared_task(name="enrolments.tasks.reference_sync_daily", ignore_result=True)
@exclusive("reference_sync_daily")
def reference_sync_daily() -> int:
    if not services.learning_assistant_configured():
        return 0
    with audit_context(actor="beat"):
        return len(services.reference_sync())


@shared_task(name="enrolments.tasks.progress_pull_active", ignore_result=True)
@exclusive("progress_pull_active")
def progress_pull_active() -> dict:
    with audit_context(actor="beat"):
        return services.enrolments_progress_pull_active()
