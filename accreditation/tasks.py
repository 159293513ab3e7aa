"""Celery tasks (queue ``pe_online``, see CELERY_TASK_ROUTES)."""

from celery import shared_task

from accreditation import services
from portal.audit import audit_context
from portal.locks import exclusive


@shared_task(name="accreditation.tasks.awards_submit", ignore_result=True)
@exclusive("awards_submit")
def awards_submit() -> dict:
    """Celery beat: send the due awards, when PE-online is configured."""
    if not services.pe_online_configured():
        return {}
    with audit_context(actor="beat"):
        return services.awards_submit()
