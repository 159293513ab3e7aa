"""Celery tasks (queue ``anewspring``, see CELERY_TASK_ROUTES)."""

from celery import shared_task

from portal.audit import audit_context
from portal.locks import exclusive
from subscriptions import webhooks
from subscriptions.models import WebhookDelivery
from subscriptions.services import refresh


@shared_task(name="subscriptions.tasks.results_refresh_active", ignore_result=True)
@exclusive("results_refresh_active")
def results_refresh_active() -> dict:
    """Celery beat: refresh a bounded batch of active subscriptions, the oldest results first."""
    with audit_context(actor="beat"):
        return refresh.results_refresh_active()


@shared_task(name="subscriptions.tasks.webhook_process", acks_late=True)
def webhook_process(delivery_id: int) -> str:
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    with audit_context(actor="webhook"):
        return webhooks.webhook_process(delivery=delivery).status


@shared_task(name="subscriptions.tasks.webhook_sweep", ignore_result=True)
@exclusive("webhook_sweep")
def webhook_sweep() -> dict:
    """Celery beat: process webhook deliveries whose task never ran or that failed."""
    return webhooks.webhook_sweep()
