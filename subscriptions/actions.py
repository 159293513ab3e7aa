"""The audit action codes aNewSpring's services write, with the labels the audit pages show."""

from django.utils.translation import gettext_lazy as _

from portal.audit import register_actions

register_actions({
    "learner.anewspring_create": _("Learner created in aNewSpring"),
    "learner.anewspring_link": _("Learner found in aNewSpring"),
    "learner.anewspring_push": _("Learner sent to aNewSpring"),
    "subscription.create": _("Subscribed"),
    "subscription.bulk_start": _("Bulk subscribe started"),
    "subscription.group_create": _("Group subscribed"),
    "subscription.update": _("Subscription dates changed"),
    "subscription.expire": _("Subscription expired"),
    "subscription.unsubscribe": _("Unsubscribed"),
    "subscription.results_refresh": _("Results refreshed"),
    "subscriptions.refresh": _("Subscriptions refreshed"),
    "activity.score": _("Score registered"),
    "group.create": _("Learner group created"),
    "group.update": _("Learner group changed"),
    "group.sync": _("Learner group synced to aNewSpring"),
    "catalogue.sync": _("Catalogue synced"),
    "webhook.receive": _("Webhook received"),
    "webhook.redelivered": _("Webhook delivered again"),
    "webhook.process": _("Webhook processed"),
})
