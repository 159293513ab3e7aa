"""aNewSpring in the portal's integrations registry (registered by :class:`SubscriptionsConfig`)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.integrations import ConnectionCheck, Integration, WorklistEntry
from portal.worklist import url_with
from subscriptions import selectors
from subscriptions.client import AnewspringError
from subscriptions.models import Subscription, WebhookDelivery
from subscriptions.services.common import SYSTEM, anewspring_client, anewspring_configured
from subscriptions.services.learners import learners_push_start


def anewspring_connection_check() -> ConnectionCheck:
    """One harmless read (getTemplates): it needs the address, the API key and the API to answer."""
    try:
        templates = anewspring_client().get_templates()
    except AnewspringError as exc:
        return ConnectionCheck(ok=False, message=exc.message)
    return ConnectionCheck(ok=True, message=ngettext(
        "Connected: aNewSpring lists %(count)d template.", "Connected: aNewSpring lists %(count)d templates.",
        len(templates)) % {"count": len(templates)})


def worklist() -> list[WorklistEntry]:
    today = timezone.localdate()
    return [
        WorklistEntry(
            key="subscriptions.expiring", severity="info", permission="subscriptions.view_subscription",
            rows=selectors.subscriptions_expiring(),
            label=lambda n: ngettext("%(count)d subscription expires in the next %(days)d days",
                                     "%(count)d subscriptions expire in the next %(days)d days", n)
            % {"count": n, "days": selectors.EXPIRING_DAYS},
            url=url_with("subscription_list", expire_after=today.isoformat(),
                         expire_before=(today + datetime.timedelta(days=selectors.EXPIRING_DAYS)).isoformat())),
        WorklistEntry(
            key="subscriptions.not_started", severity="warning", permission="subscriptions.view_subscription",
            rows=selectors.subscriptions_not_started(),
            label=lambda n: ngettext("%(count)d subscription not started %(days)d days after subscribing",
                                     "%(count)d subscriptions not started %(days)d days after subscribing", n)
            % {"count": n, "days": selectors.NOT_STARTED_DAYS},
            url=url_with("subscription_list", status=Subscription.NOT_STARTED,
                         subscribed_before=(today - datetime.timedelta(days=selectors.NOT_STARTED_DAYS)).isoformat())),
        # Deliveries are listed in the admin only (superusers): the entry shows to whom may view them.
        WorklistEntry(
            key="webhooks.failed", severity="danger", permission="subscriptions.view_webhookdelivery",
            rows=WebhookDelivery.objects.filter(status=WebhookDelivery.FAILED),
            label=lambda n: ngettext("%(count)d aNewSpring webhook delivery failed",
                                     "%(count)d aNewSpring webhook deliveries failed", n) % {"count": n},
            url=url_with("admin:subscriptions_webhookdelivery_changelist", status__exact=WebhookDelivery.FAILED)),
    ]


ANEWSPRING = Integration(
    name=SYSTEM,
    label=_("aNewSpring"),
    is_configured=anewspring_configured,
    check_connection=anewspring_connection_check,
    url=lambda: settings.ANEWSPRING_URL,
    learners_imported=learners_push_start,
    learners_imported_label=_("Also create or update these learners in aNewSpring"),
    worklist=worklist,
)
