"""Subscribe learners to a course: one at a time, or many (or a group) in a background job."""

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.audit import audit_context, audit_record, diff
from portal.jobs import JobProgress, job_handler, job_launch
from portal.locks import lock_hold
from portal.models import Course, Job, Learner
from portal.texts import text_later, text_register, text_result
from subscriptions.client import AlreadySubscribed, AnewspringClient, AnewspringError, CourseRef, LearnerRef
from subscriptions.models import LearnerGroup, Subscription
from subscriptions.services.common import (SYSTEM, anewspring_client, anewspring_require, course_ref, learner_ref,
                                           remote_action)
from subscriptions.services.groups import learner_group_sync
from subscriptions.services.learners import learner_ensure_remote
from subscriptions.services.outcomes import (ALREADY, FAILED, OUTCOME_LABELS, SKIPPED, SUBSCRIBED, SubscribeOutcome,
                                             politely)
from subscriptions.services.results import refresh_quietly

# Seconds a subscribe waits for another worker subscribing the same learner to the same course.
SUBSCRIBE_LOCK_WAIT = 30


def _subscription_save(*, learner: Learner, course: Course, start_date, expire_date, already: bool) -> Subscription:
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(learner=learner, course=course).first()
        before = {}
        if subscription is None:
            subscription = Subscription(learner=learner, course=course)
        else:
            before = {"start_date": subscription.start_date, "expire_date": subscription.expire_date,
                      "finished": subscription.finished}
        if not already:
            subscription.finished = subscription.expired = False
            subscription.subscribe_date = subscription.subscribe_date or timezone.now()
            subscription.start_date = start_date or subscription.start_date or timezone.localdate()
            subscription.expire_date = expire_date
        subscription.save()
        after = {"start_date": subscription.start_date, "expire_date": subscription.expire_date,
                 "finished": subscription.finished}
        audit_record(action="subscription.create", system=SYSTEM, learner=learner, course=course, obj=subscription,
                     summary=(gettext_lazy("Already subscribed in aNewSpring: not subscribed again (no licence used)")
                              if already else format_lazy(gettext_lazy("Subscribed to {course}"), course=course)),
                     changes=diff(before, after))
    return subscription


def subscription_create(*, learner: Learner, course: Course, start_date: date | None = None,
                        expire_date: date | None = None, client: AnewspringClient | None = None) -> SubscribeOutcome:
    """Subscribe one learner (a licence): creates the learner in aNewSpring if needed, checks
    isSubscribed first and never subscribes twice."""
    # One subscriber per learner and course at a time (two jobs, two workers): the second asks
    # isSubscribed once the first is done, so aNewSpring gets one subscribe.
    with (remote_action("subscription.create", learner=learner, course=course),
          lock_hold(f"subscribe:{learner.pk}:{course.pk}", wait=SUBSCRIBE_LOCK_WAIT) as taken):
        if not taken:
            raise AnewspringError(_("Another worker is subscribing %(learner)s to %(course)s right now; look "
                                    "again in a minute.") % {"learner": learner, "course": course})
        client = client or anewspring_client()
        learner_ensure_remote(learner=learner, client=client)
        already = client.is_subscribed(learner_ref(learner), course_ref(course))
        if not already:
            already = _subscribe(client, learner_ref(learner), course_ref(course), start_date=start_date,
                                 expire_date=expire_date)
        subscription = _subscription_save(learner=learner, course=course, start_date=start_date,
                                          expire_date=expire_date, already=already)
    refresh_quietly(subscription, client)
    if already:
        return SubscribeOutcome(learner, ALREADY, _("%(learner)s was already subscribed to %(course)s.")
                                % {"learner": learner, "course": course}, subscription)
    return SubscribeOutcome(learner, SUBSCRIBED, _("%(learner)s is subscribed to %(course)s.")
                            % {"learner": learner, "course": course}, subscription)


def _subscribe(client: AnewspringClient, learner: LearnerRef, course: CourseRef, **dates) -> bool:
    """subscribe; True if it turns out the learner was subscribed already (no licence used by us).

    A 409 after isSubscribed said no means someone else subscribed the learner in between. When the
    outcome is in doubt (no answer in time, a 5xx) isSubscribed is asked again and its answer is
    what the portal records: if it says yes, the subscription exists whatever the error said."""
    try:
        client.subscribe(learner, course, **dates)
    except AlreadySubscribed:
        return True
    except AnewspringError as exc:
        if not exc.retryable:
            raise
        try:
            subscribed = client.is_subscribed(learner, course)
        except AnewspringError:
            raise exc from None
        if not subscribed:
            raise
    return False


def subscriptions_create(*, learners: Sequence[Learner] = (), group: LearnerGroup | None = None, course: Course,
                         start_date: date | None = None, expire_date: date | None = None,
                         user=None) -> SubscribeOutcome | Job:
    """Subscribe what the coordinator picked: one learner (no group) here and now, and its outcome;
    more learners or a group in a background job, which is returned."""
    if len(learners) == 1 and group is None:
        return subscription_create(learner=learners[0], course=course, start_date=start_date,
                                   expire_date=expire_date)
    return subscriptions_bulk_start(learners=learners, group=group, course=course, start_date=start_date,
                                    expire_date=expire_date, user=user)


def subscriptions_bulk_start(*, learners: Sequence[Learner] = (), group: LearnerGroup | None = None, course: Course,
                             start_date: date | None = None, expire_date: date | None = None, user=None) -> Job:
    """Subscribe many learners (or a group) in a background job with progress and per-learner outcomes."""
    anewspring_require()
    params = {"course_id": course.pk, "learner_ids": [learner.pk for learner in learners],
              "group_id": group.pk if group else None,
              "start_date": start_date.isoformat() if start_date else None,
              "expire_date": expire_date.isoformat() if expire_date else None}
    count = len(params["learner_ids"])

    def title() -> str:
        what = (_("group %(group)s") % {"group": group}) if group else (
            ngettext("%(count)d learner", "%(count)d learners", count) % {"count": count})
        return _("Subscribe %(what)s to %(course)s") % {"what": what, "course": course}

    with transaction.atomic():
        job = job_launch(kind="subscriptions_bulk", title=text_later(title), params=params, user=user,
                         total=len(params["learner_ids"]) if not group else group.members.count())
        audit_record(action="subscription.bulk_start", system=SYSTEM, course=course, obj=job,
                     summary=job.title)
    return job


@job_handler("subscriptions_bulk", integration=SYSTEM, result_template="subscriptions/_job_outcomes.html")
def subscriptions_bulk_job(job: Job, progress: JobProgress) -> dict:
    params = job.params
    course = Course.objects.select_related("template").get(pk=params["course_id"])
    start = date.fromisoformat(params["start_date"]) if params.get("start_date") else None
    expire = date.fromisoformat(params["expire_date"]) if params.get("expire_date") else None
    if params.get("group_id"):
        group = LearnerGroup.objects.get(pk=params["group_id"])
        outcomes = _group_subscribe(group=group, course=course, job=job, progress=progress)
    else:
        # A job resumed after its worker died keeps the outcomes it published and goes on with the rest.
        earlier = [o for o in job.result.get("outcomes", []) if o["status"] != SKIPPED]
        handled = {o["learner_id"] for o in earlier}
        learners = Learner.objects.in_bulk(params["learner_ids"])
        ordered = [learners[pk] for pk in params["learner_ids"] if pk in learners and pk not in handled]
        outcomes = _learners_subscribe(learners=ordered, course=course, start_date=start, expire_date=expire,
                                       job=job, progress=progress, earlier=earlier)
    return _job_result(job, outcomes, course)


def _job_result(job: Job, outcomes: list[dict], course: Course) -> dict:
    counts = {status: sum(1 for o in outcomes if o["status"] == status) for status in OUTCOME_LABELS}
    return {**text_result("subscriptions.bulk", subscribed=counts[SUBSCRIBED], already=counts[ALREADY],
                          failed=counts[FAILED], skipped=counts[SKIPPED]),
            "counts": counts, "outcomes": outcomes, "course_id": course.pk}


@text_register("subscriptions.bulk")
def _bulk_text(*, subscribed: int, already: int, failed: int, skipped: int) -> str:
    # One text, its words the same for 1 and for more, so the audit log's English reads back in Dutch too.
    return _("%(subscribed)s subscribed, %(already)s already subscribed, %(failed)s failed, "
             "%(skipped)s not attempted.") % {"subscribed": subscribed, "already": already, "failed": failed,
                                              "skipped": skipped}


def _publish(job: Job, outcomes: list[dict], progress: JobProgress) -> None:
    """Per-learner outcomes appear on the job page while the job runs; a resumed job starts from them."""
    progress.advance()
    Job.objects.filter(pk=job.pk).update(result={"outcomes": outcomes}, done=progress.job.done)


def _learners_subscribe(*, learners: list[Learner], course: Course, start_date, expire_date, job: Job,
                        progress: JobProgress, earlier: list[dict]) -> list[dict]:
    progress.set_total(len(earlier) + len(learners))
    progress.job.done = len(earlier)
    outcomes = list(earlier)
    client = anewspring_client()
    for outcome in politely(learners, lambda learner: subscription_create(
            learner=learner, course=course, start_date=start_date, expire_date=expire_date, client=client)):
        outcomes.append(outcome.as_dict())
        _publish(job, outcomes, progress)
    return outcomes


def _group_subscribe(*, group: LearnerGroup, course: Course, job: Job, progress: JobProgress) -> list[dict]:
    """subscribeGroups for the group, after syncing it; members already subscribed are reported as such.

    isSubscribed is checked per member first; when every member is subscribed, subscribeGroups
    is not called at all.
    """
    members = list(group.members.all())
    progress.set_total(len(members))
    client = anewspring_client()
    learner_group_sync(group=group, client=client)
    already = {}
    with remote_action("subscription.group_create", course=course, obj=group):
        for learner in members:
            with audit_context(learner=learner):
                already[learner.pk] = client.is_subscribed(learner_ref(learner), course_ref(course))
        if not all(already.values()):
            client.subscribe_groups(course_ref(course), [group.external_id])
        audit_record(action="subscription.group_create", system=SYSTEM, course=course, obj=group,
                     summary=format_lazy(gettext_lazy("Group {group} subscribed to {course}"), group=group,
                                         course=course))
    outcomes = []
    for learner in members:
        was = already[learner.pk]
        subscription = _subscription_save(learner=learner, course=course, start_date=None, expire_date=None,
                                          already=was)
        refresh_quietly(subscription, client)
        outcomes.append(SubscribeOutcome(
            learner, ALREADY if was else SUBSCRIBED,
            (_("%(learner)s was already subscribed.") if was else _("%(learner)s is subscribed through the group."))
            % {"learner": learner}, subscription).as_dict())
        _publish(job, outcomes, progress)
    return outcomes
