"""Results from aNewSpring (getResults) copied into subscriptions and activity results."""

import logging
from dataclasses import asdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from portal.audit import audit_context, audit_record, audit_record_many, object_fields
from portal.models import Activity, Course, Learner, Template
from portal.texts import text_later
from subscriptions import client as anewspring
from subscriptions.client import AnewspringClient, AnewspringError
from subscriptions.models import ActivityResult, Subscription
from subscriptions.services.catalogue import course_save
from subscriptions.services.common import SYSTEM, anewspring_client, course_ref, learner_ref, remote_action
from subscriptions.signals import activity_results_changed

logger = logging.getLogger(__name__)


def _jsonable(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _results_json(result: anewspring.CourseResult) -> dict:
    """What the results page shows, kept as the last answer (attempts, criteria, terms, objectives)."""
    data = asdict(result)
    keep = ("grade", "grade_datetime", "completed", "complete_datetime", "objectives", "parts", "reseller",
            "last_training_completed_datetime")
    out = {k: _jsonable(data[k]) for k in keep}
    for part in out["parts"]:
        for attempt in part["attempts"]:
            progress = attempt.get("progress")
            attempt["progress"] = f"{progress['done']}/{progress['total']}" if progress else None
    return out


def _activity_values(part: anewspring.PartResult) -> dict[str, object]:
    return {"external_id": part.id or None, "part_id": part.part_id, "name": part.name[:255],
            "block_name": (part.block_name or "")[:255], "type": part.type, "sub_type": part.sub_type or part.type}


def _upsert_activity(template: Template, part: anewspring.PartResult) -> Activity:
    """Activities are learned from getResults: aNewSpring has no call listing a template's activities."""
    values = _activity_values(part)
    if values["external_id"] and Activity.objects.filter(template=template, external_id=values["external_id"]).exclude(
            uid=part.uid).exists():
        values["external_id"] = None  # two uids claiming one external ID: keep the first
    # get_or_create: another worker storing results of the same template may create it at the same moment
    activity, created = Activity.objects.get_or_create(template=template, uid=part.uid, defaults=values)
    if created:
        return activity
    if any(getattr(activity, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(activity, k, v)
        activity.save()
    return activity


class ActivityCache:
    """The activities one run has seen: storing the results of 10,000 subscriptions of one template
    looks each activity up once, and again only when aNewSpring describes it differently."""

    def __init__(self):
        self._seen: dict[tuple[int, str], Activity] = {}

    def activity(self, template: Template, part: anewspring.PartResult) -> Activity:
        seen = self._seen.get((template.pk, part.uid))
        if seen is None or any(getattr(seen, k) != v for k, v in _activity_values(part).items()):
            seen = self._seen[(template.pk, part.uid)] = _upsert_activity(template, part)
        return seen


def _apply_results(subscription: Subscription, result: anewspring.CourseResult, *,
                   existing: dict[int, ActivityResult], activities: ActivityCache) -> list[ActivityResult]:
    """Copy one getResults answer into the subscription and its activity results (``existing``, by
    activity id); returns what changed. Runs inside the caller's transaction."""
    now = timezone.now()
    progress = result.progress
    for name, value in {
        "active": result.active, "expired": result.expired, "finished": result.finished,
        "completed": result.completed, "start_date": result.start_date,
        "subscribe_date": result.subscribe_datetime or subscription.subscribe_date,
        "complete_date": result.complete_datetime, "progress_done": progress.done if progress else None,
        "progress_total": progress.total if progress else None, "efficiency": result.efficiency,
        "knowledge_intake": result.knowledge_intake, "objectives_progress": result.objectives_progress,
        "grade": result.grade, "reseller": result.reseller or "", "results": _results_json(result),
        "results_refreshed_at": now,
    }.items():
        setattr(subscription, name, value)
    if subscription.expire_date and subscription.start_date and subscription.expire_date < subscription.start_date:
        subscription.expire_date = None
    subscription.save()

    changed, new = [], []
    for part in result.parts:
        activity = activities.activity(subscription.course.template, part)
        values = {"completed": part.completed, "passed": part.passed, "score": part.score,
                  "complete_date": part.complete_datetime, "attempts": len(part.attempts)}
        row = existing.get(activity.pk)
        if row is None:
            new.append(ActivityResult(subscription=subscription, activity=activity, **values))
            continue
        before = (row.completed, row.passed, row.score)
        if any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
        if (not before[0] and row.completed) or (not before[1] and row.passed) or before[2] != row.score:
            changed.append(row)
    changed += [row for row in ActivityResult.objects.bulk_create(new)
                if row.completed or row.passed or row.score is not None]
    return changed


def _existing_results(subscription_ids: list[int]) -> dict[int, dict[int, ActivityResult]]:
    existing = {pk: {} for pk in subscription_ids}
    for row in ActivityResult.objects.filter(subscription_id__in=subscription_ids):
        existing[row.subscription_id][row.activity_id] = row
    return existing


def _results_changed_summary(changed: list[ActivityResult]):
    count = len(changed)
    return text_later(lambda: ngettext("{count} activity result changed", "{count} activity results changed",
                                       count).format(count=count))


def results_store(*, learner: Learner, course: Course, result: anewspring.CourseResult,
                   subscription: Subscription | None = None) -> tuple[Subscription, list[ActivityResult]]:
    """One atomic write of a refreshed subscription and its audit event; the signal goes after commit."""
    with transaction.atomic():
        if subscription is None:
            subscription, _created = Subscription.objects.select_for_update().get_or_create(learner=learner,
                                                                                           course=course)
        else:  # two workers refreshing one subscription take turns, so neither adds a result twice
            list(Subscription.objects.select_for_update().filter(pk=subscription.pk).values_list("pk"))
        changed = _apply_results(subscription, result, existing=_existing_results([subscription.pk])[subscription.pk],
                                 activities=ActivityCache())
        audit_record(action="subscription.results_refresh", system=SYSTEM, learner=learner, course=course,
                     obj=subscription, summary=_results_changed_summary(changed))
    if changed:
        activity_results_changed.send(sender=Subscription, subscription=subscription, changed=changed)
    return subscription, changed


def results_store_many(stored: list[tuple[Subscription, anewspring.CourseResult]], *, activities: ActivityCache,
                       audit_entries: list[dict]) -> list[list[ActivityResult]]:
    """:func:`results_store` for a batch of a refresh run, in one transaction with ``audit_entries``
    (the run's remote calls) and an event per subscription: a few queries and one lock of the audit
    chain for the batch, instead of a dozen queries each. Returns what changed, per subscription."""
    ids = [subscription.pk for subscription, _result in stored]
    with transaction.atomic():
        list(Subscription.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        existing = _existing_results(ids)
        changes = [_apply_results(subscription, result, existing=existing[subscription.pk], activities=activities)
                   for subscription, result in stored]
        audit_record_many([*audit_entries, *(
            {"action": "subscription.results_refresh", "system": SYSTEM, "learner_id": subscription.learner_id,
             "course_id": subscription.course_id, "summary": _results_changed_summary(changed),
             **object_fields(subscription)}
            for (subscription, _result), changed in zip(stored, changes))])
    for (subscription, _result), changed in zip(stored, changes):
        if changed:
            activity_results_changed.send(sender=Subscription, subscription=subscription, changed=changed)
    return changes


def subscription_refresh(*, subscription: Subscription, client: AnewspringClient | None = None) -> list[ActivityResult]:
    """Refresh one subscription's results from getResults (the source of truth)."""
    learner, course = subscription.learner, subscription.course
    with remote_action("subscription.results_refresh", learner=learner, course=course, obj=subscription):
        result = (client or anewspring_client()).get_course_results(learner_ref(learner), course_ref(course))
        return results_store(learner=learner, course=course, result=result, subscription=subscription)[1]


def learner_course_refresh(*, learner: Learner, course: Course,
                           client: AnewspringClient | None = None) -> tuple[Subscription, list[ActivityResult]]:
    """Refresh learner x course, creating the local copy if aNewSpring knows the subscription."""
    with remote_action("subscription.results_refresh", learner=learner, course=course):
        result = (client or anewspring_client()).get_course_results(learner_ref(learner), course_ref(course))
        return results_store(learner=learner, course=course, result=result)


def _course_for(client: AnewspringClient, result: anewspring.CourseResult) -> Course | None:
    """The local course of a result; an unknown one is fetched with getCourse (template too)."""
    if not result.course_id:
        return None
    course = Course.objects.filter(external_id=result.course_id).select_related("template").first()
    if course is not None:
        return course
    info = client.get_course(result.course_id)
    template_id = info.template_id or f"course:{result.course_id}"
    with transaction.atomic():
        template, _created = Template.objects.get_or_create(external_id=template_id, defaults={"name": template_id})
        return course_save(template, info)


def subscriptions_refresh(*, learner: Learner) -> list[Subscription]:
    """Refresh all of a learner's subscriptions with one getResults call."""
    with remote_action("subscriptions.refresh", learner=learner):
        client = anewspring_client()
        results = client.get_results(learner_ref(learner))
        courses = [(_course_for(client, r), r) for r in results]
    subscriptions = []
    for course, result in courses:
        if course is None:
            continue
        with audit_context(course=course):
            subscriptions.append(results_store(learner=learner, course=course, result=result)[0])
    return subscriptions


def refresh_quietly(subscription: Subscription, client: AnewspringClient) -> None:
    """After a confirmed change, read the new state back; a failure here is audited, not raised."""
    try:
        subscription_refresh(subscription=subscription, client=client)
    except AnewspringError:
        logger.info("Refresh after a change of subscription %s failed", subscription.pk)
