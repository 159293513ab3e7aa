"""Changes to one subscription: its dates, expiring or ending it, scoring an external activity."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_record, diff
from portal.models import Activity, AuditEvent
from subscriptions.client import AnewspringError
from subscriptions.models import ActivityResult, Subscription
from subscriptions.services.common import SYSTEM, anewspring_client, course_ref, learner_ref, remote_action
from subscriptions.services.results import refresh_quietly, subscription_refresh


def _snapshot(subscription: Subscription) -> dict:
    return {"start_date": subscription.start_date, "expire_date": subscription.expire_date,
            "expired": subscription.expired, "finished": subscription.finished}


def subscription_update(*, subscription: Subscription, start_date: date | None = None,
                        expire_date: date | None = None, expire_now: bool = False) -> Subscription:
    """Change the start or expiry date, or expire the subscription now (updateSubscription)."""
    learner, course = subscription.learner, subscription.course
    with remote_action("subscription.update", learner=learner, course=course, obj=subscription):
        client = anewspring_client()
        client.update_subscription(learner_ref(learner), course_ref(course), start_date=start_date,
                                   expire_date=expire_date, expired=True if expire_now else None)
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
            before = _snapshot(subscription)
            if start_date:
                subscription.start_date = start_date
            if expire_date:
                subscription.expire_date = expire_date
            if expire_now:
                subscription.expired = subscription.finished = True
            subscription.save()
            changes = diff(before, _snapshot(subscription))
            audit_record(action="subscription.expire" if expire_now else "subscription.update", system=SYSTEM,
                         learner=learner, course=course, obj=subscription,
                         summary=(gettext_lazy("Expired now") if expire_now else
                                  format_lazy(gettext_lazy("Changed {fields}"),
                                              fields=", ".join(changes) or gettext_lazy("nothing"))),
                         changes=changes)
    refresh_quietly(subscription, client)
    if expire_now and not subscription.expired:
        # aNewSpring's 2xx counts as done, yet what it shows now is the truth: never report "expired" then.
        message = _("aNewSpring accepted the expiry, but reading the subscription back shows it is not expired; "
                    "look at it in aNewSpring and try again.")
        audit_record(action="subscription.expire", system=SYSTEM, outcome=AuditEvent.OUTCOME_FAILURE, learner=learner,
                     course=course, obj=subscription, error=message)
        raise AnewspringError(message, retryable=True)
    return subscription


def subscription_unsubscribe(*, subscription: Subscription) -> Subscription:
    """End the subscription in aNewSpring; the results stay readable and the local copy is kept."""
    learner, course = subscription.learner, subscription.course
    with remote_action("subscription.unsubscribe", learner=learner, course=course, obj=subscription):
        client = anewspring_client()
        client.unsubscribe(learner_ref(learner), course_ref(course))
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
            before = _snapshot(subscription)
            subscription.finished = True
            subscription.save()
            audit_record(action="subscription.unsubscribe", system=SYSTEM, learner=learner, course=course,
                         obj=subscription, changes=diff(before, _snapshot(subscription)),
                         summary=format_lazy(gettext_lazy("Unsubscribed from {course}"), course=course))
    refresh_quietly(subscription, client)
    return subscription


def external_activity_score(*, subscription: Subscription, activity: Activity, score: Decimal,
                            passed: bool | None = None, completed_on: date | None = None) -> list[ActivityResult]:
    """Register a score on an External activity (scoreExternalActivity), then read the results back."""
    learner, course = subscription.learner, subscription.course
    if activity.type != "External" or not activity.external_id or activity.template_id != course.template_id:
        raise ValueError("Only external activities of the course's template with an external ID can be scored.")
    with remote_action("activity.score", learner=learner, course=course, obj=subscription):
        client = anewspring_client()
        client.score_external_activity(learner_ref(learner), course_ref(course), activity.external_id, score=score,
                                       passed=passed, completed_on=completed_on)
        audit_record(action="activity.score", system=SYSTEM, learner=learner, course=course, obj=subscription,
                     summary=format_lazy(gettext_lazy("Scored {score}% on {activity}"), score=score, activity=activity),
                     changes={"activity": activity.name, "score": str(score),
                              "passed": passed, "date": completed_on.isoformat() if completed_on else None})
    try:
        return subscription_refresh(subscription=subscription, client=client)
    except AnewspringError:
        return []
