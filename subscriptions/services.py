"""Writes for aNewSpring subscriptions: subscribe, change, unsubscribe, score, refresh, sync.

The order is always the same: call aNewSpring first, outside any transaction (so the audit
event of a failed call is kept), then write the local copy and the action's audit event in
one atomic block, only after aNewSpring confirmed. A failure records a failed audit event
for the action, changes nothing local and raises :class:`AnewspringError` with a message
fit for the coordinator.
"""

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from itertools import batched

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_context, audit_record, audit_remote_call, diff
from portal.http import RemoteCall
from portal.jobs import JobProgress, job_create, job_handler, job_start
from portal.models import Activity, AuditEvent, Course, Job, Learner, Template
from subscriptions import client as anewspring
from subscriptions.client import AnewspringClient, AnewspringError, CourseRef, LearnerRef
from subscriptions.models import ActivityResult, LearnerGroup, Subscription
from subscriptions.signals import activity_results_changed

logger = logging.getLogger(__name__)

SYSTEM = "anewspring"


class AnewspringNotConfigured(AnewspringError):
    def __init__(self):
        super().__init__(_("aNewSpring is not configured."))


def anewspring_configured() -> bool:
    return bool(settings.ANEWSPRING_URL and settings.ANEWSPRING_API_KEY)


def anewspring_client(*, on_call=audit_remote_call) -> AnewspringClient:
    """The client with the configured address and timeouts; every call is audited by default."""
    if not anewspring_configured():
        raise AnewspringNotConfigured()
    return AnewspringClient(settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY,
                            connect_timeout=settings.HTTP_CONNECT_TIMEOUT, read_timeout=settings.HTTP_READ_TIMEOUT,
                            on_call=on_call)


def learner_ref(learner: Learner) -> LearnerRef:
    # External IDs, not UIDs: a course UID is shared by all courses of a template.
    return LearnerRef(id=learner.anewspring_id)


def course_ref(course: Course) -> CourseRef:
    return CourseRef(id=course.external_id)


@contextmanager
def _action(action: str, *, learner: Learner | None = None, course: Course | None = None,
            obj=None) -> Iterator[None]:
    """Remote calls inside carry the learner/course; a failure is audited as the action failing."""
    with audit_context(learner=learner, course=course):
        try:
            yield
        except AnewspringError as exc:
            audit_record(action=action, system=SYSTEM, outcome=AuditEvent.OUTCOME_FAILURE, learner=learner,
                         course=course, obj=obj, error=exc.message)
            raise


# --- results ----------------------------------------------------------------------------------
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


def _upsert_activity(template: Template, part: anewspring.PartResult) -> Activity:
    """Activities are learned from getResults: aNewSpring has no call listing a template's activities."""
    values = {"external_id": part.id or None, "part_id": part.part_id, "name": part.name[:255],
              "block_name": (part.block_name or "")[:255], "type": part.type, "sub_type": part.sub_type or part.type}
    activity = Activity.objects.filter(template=template, uid=part.uid).first()
    if values["external_id"] and Activity.objects.filter(template=template, external_id=values["external_id"]).exclude(
            uid=part.uid).exists():
        values["external_id"] = None  # two uids claiming one external ID: keep the first
    if activity is None:
        return Activity.objects.create(template=template, uid=part.uid, **values)
    if any(getattr(activity, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(activity, k, v)
        activity.save()
    return activity


def _apply_results(subscription: Subscription, result: anewspring.CourseResult) -> list[ActivityResult]:
    """Copy one getResults answer into the subscription and its activity results; returns what changed.

    Runs inside the caller's transaction.
    """
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

    existing = {r.activity_id: r for r in subscription.activity_results.all()}
    changed = []
    for part in result.parts:
        activity = _upsert_activity(subscription.course.template, part)
        values = {"completed": part.completed, "passed": part.passed, "score": part.score,
                  "complete_date": part.complete_datetime, "attempts": len(part.attempts)}
        row = existing.get(activity.pk)
        if row is None:
            row = ActivityResult.objects.create(subscription=subscription, activity=activity, **values)
            if row.completed or row.passed or row.score is not None:
                changed.append(row)
            continue
        before = (row.completed, row.passed, row.score)
        if any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
        if (not before[0] and row.completed) or (not before[1] and row.passed) or before[2] != row.score:
            changed.append(row)
    return changed


def _store_results(*, learner: Learner, course: Course, result: anewspring.CourseResult,
                   subscription: Subscription | None = None) -> tuple[Subscription, list[ActivityResult]]:
    """One atomic write of a refreshed subscription and its audit event; the signal goes after commit."""
    with transaction.atomic():
        if subscription is None:
            subscription, _created = Subscription.objects.select_for_update().get_or_create(learner=learner,
                                                                                           course=course)
        changed = _apply_results(subscription, result)
        audit_record(action="subscription.results_refresh", system=SYSTEM, learner=learner, course=course,
                     obj=subscription,
                     summary=_("%(count)s activity results changed") % {"count": len(changed)})
    if changed:
        activity_results_changed.send(sender=Subscription, subscription=subscription, changed=changed)
    return subscription, changed


def subscription_refresh(*, subscription: Subscription, client: AnewspringClient | None = None) -> list[ActivityResult]:
    """Refresh one subscription's results from getResults (the source of truth)."""
    learner, course = subscription.learner, subscription.course
    with _action("subscription.results_refresh", learner=learner, course=course, obj=subscription):
        result = (client or anewspring_client()).get_course_results(learner_ref(learner), course_ref(course))
        return _store_results(learner=learner, course=course, result=result, subscription=subscription)[1]


def learner_course_refresh(*, learner: Learner, course: Course,
                           client: AnewspringClient | None = None) -> tuple[Subscription, list[ActivityResult]]:
    """Refresh learner x course, creating the local copy if aNewSpring knows the subscription."""
    with _action("subscription.results_refresh", learner=learner, course=course):
        result = (client or anewspring_client()).get_course_results(learner_ref(learner), course_ref(course))
        return _store_results(learner=learner, course=course, result=result)


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
        return _course_save(template, info)


def subscriptions_refresh(*, learner: Learner) -> list[Subscription]:
    """Refresh all of a learner's subscriptions with one getResults call."""
    with _action("subscriptions.refresh", learner=learner):
        client = anewspring_client()
        results = client.get_results(learner_ref(learner))
        courses = [(_course_for(client, r), r) for r in results]
    subscriptions = []
    for course, result in courses:
        if course is None:
            continue
        with audit_context(course=course):
            subscriptions.append(_store_results(learner=learner, course=course, result=result)[0])
    return subscriptions


# --- learners in aNewSpring --------------------------------------------------------------------
def _user_payload(learner: Learner) -> anewspring.User:
    def text(value):
        return value or None

    return anewspring.User(
        id=learner.anewspring_id, login=text(learner.login), first_name=learner.first_name,
        middle_name=text(learner.middle_name), last_name=learner.last_name, email=text(learner.email),
        gender=text(learner.gender), title=text(learner.title), initials=text(learner.initials),
        function=text(learner.function), company=text(learner.company), date_of_birth=learner.date_of_birth,
        telephone_number=text(learner.telephone_number), cell_phone_number=text(learner.cell_phone_number),
        address=text(learner.address), zip=text(learner.zip), residence=text(learner.residence),
        country=text(learner.country), custom1=text(learner.custom1), role="student",
    )


def learner_ensure_remote(*, learner: Learner, client: AnewspringClient) -> bool:
    """Make sure aNewSpring knows the learner; creates them (with Custom1) if not. True if created.

    A learner with a stored aNewSpring UID is known there; otherwise userExists decides, and
    the UID aNewSpring gives is stored so the check is not repeated.
    """
    if learner.uid:
        return False
    user_id = learner.anewspring_id
    created = False
    if not client.user_exists(user_id):
        client.add_or_update_user(_user_payload(learner))
        created = True
    remote = client.get_user(user_id)
    with transaction.atomic():
        if remote.uid and not Learner.objects.filter(uid=remote.uid).exclude(pk=learner.pk).exists():
            Learner.objects.filter(pk=learner.pk).update(uid=remote.uid)
            learner.uid = remote.uid
        audit_record(action="learner.anewspring_create" if created else "learner.anewspring_link", system=SYSTEM,
                     learner=learner, obj=learner,
                     summary=(_("Created in aNewSpring") if created else _("Found in aNewSpring")),
                     changes={"uid": {"before": None, "after": learner.uid}})
    return created


# --- subscribe ---------------------------------------------------------------------------------
SUBSCRIBED, ALREADY, FAILED, SKIPPED = "subscribed", "already_subscribed", "failed", "skipped"
OUTCOME_LABELS = {
    SUBSCRIBED: gettext_lazy("subscribed"), ALREADY: gettext_lazy("already subscribed"),
    FAILED: gettext_lazy("failed"), SKIPPED: gettext_lazy("not attempted"),
}


@dataclass
class SubscribeOutcome:
    """One learner's outcome in a job that goes through learners one by one (subscribe, push)."""

    learner: Learner
    status: str
    message: str = ""
    subscription: Subscription | None = None
    retryable: bool = False

    def as_dict(self) -> dict:
        return {"learner_id": self.learner.pk, "learner": self.learner.full_name, "status": self.status,
                "message": self.message,
                "subscription_id": self.subscription.pk if self.subscription else None}


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
                     summary=(_("Already subscribed in aNewSpring: not subscribed again (no licence used)")
                              if already else _("Subscribed to %(course)s") % {"course": course}),
                     changes=diff(before, after))
    return subscription


def subscription_create(*, learner: Learner, course: Course, start_date: date | None = None,
                        expire_date: date | None = None, client: AnewspringClient | None = None) -> SubscribeOutcome:
    """Subscribe one learner (a licence): creates the learner in aNewSpring if needed, checks
    isSubscribed first and never subscribes twice."""
    with _action("subscription.create", learner=learner, course=course):
        client = client or anewspring_client()
        learner_ensure_remote(learner=learner, client=client)
        already = client.is_subscribed(learner_ref(learner), course_ref(course))
        if not already:
            client.subscribe(learner_ref(learner), course_ref(course), start_date=start_date, expire_date=expire_date)
        subscription = _subscription_save(learner=learner, course=course, start_date=start_date,
                                          expire_date=expire_date, already=already)
    _refresh_quietly(subscription, client)
    if already:
        return SubscribeOutcome(learner, ALREADY, _("%(learner)s was already subscribed to %(course)s.")
                                % {"learner": learner, "course": course}, subscription)
    return SubscribeOutcome(learner, SUBSCRIBED, _("%(learner)s is subscribed to %(course)s.")
                            % {"learner": learner, "course": course}, subscription)


def _refresh_quietly(subscription: Subscription, client: AnewspringClient) -> None:
    """After a confirmed change, read the new state back; a failure here is audited, not raised."""
    try:
        subscription_refresh(subscription=subscription, client=client)
    except AnewspringError:
        logger.info("Refresh after a change of subscription %s failed", subscription.pk)


def subscriptions_bulk_start(*, learners: Sequence[Learner] = (), group: LearnerGroup | None = None, course: Course,
                             start_date: date | None = None, expire_date: date | None = None, user=None) -> Job:
    """Subscribe many learners (or a group) in a background job with progress and per-learner outcomes."""
    if not anewspring_configured():
        raise AnewspringNotConfigured()
    params = {"course_id": course.pk, "learner_ids": [learner.pk for learner in learners],
              "group_id": group.pk if group else None,
              "start_date": start_date.isoformat() if start_date else None,
              "expire_date": expire_date.isoformat() if expire_date else None}
    what = (_("group %(group)s") % {"group": group}) if group else (
        _("%(count)s learners") % {"count": len(params["learner_ids"])})
    with transaction.atomic():
        job = job_create(kind="subscriptions_bulk", title=_("Subscribe %(what)s to %(course)s")
                         % {"what": what, "course": course}, params=params, user=user,
                         total=len(params["learner_ids"]) if not group else group.members.count())
        audit_record(action="subscription.bulk_start", system=SYSTEM, course=course, obj=job,
                     summary=job.title)
        job_start(job)
    return job


@job_handler("subscriptions_bulk", queue="anewspring")
def subscriptions_bulk_job(job: Job, progress: JobProgress) -> dict:
    params = job.params
    course = Course.objects.select_related("template").get(pk=params["course_id"])
    start = date.fromisoformat(params["start_date"]) if params.get("start_date") else None
    expire = date.fromisoformat(params["expire_date"]) if params.get("expire_date") else None
    if params.get("group_id"):
        group = LearnerGroup.objects.get(pk=params["group_id"])
        outcomes = _group_subscribe(group=group, course=course, job=job, progress=progress)
    else:
        learners = Learner.objects.in_bulk(params["learner_ids"])
        ordered = [learners[pk] for pk in params["learner_ids"] if pk in learners]
        outcomes = _learners_subscribe(learners=ordered, course=course, start_date=start, expire_date=expire,
                                       job=job, progress=progress)
    return _job_result(job, outcomes, course)


def _job_result(job: Job, outcomes: list[SubscribeOutcome], course: Course) -> dict:
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in OUTCOME_LABELS}
    summary = _("%(subscribed)s subscribed, %(already)s already subscribed, %(failed)s failed, "
                "%(skipped)s not attempted.") % {"subscribed": counts[SUBSCRIBED], "already": counts[ALREADY],
                                                 "failed": counts[FAILED], "skipped": counts[SKIPPED]}
    return {"summary": summary, "counts": counts, "outcomes": [o.as_dict() for o in outcomes],
            "course_id": course.pk}


def _publish(job: Job, outcomes: list[SubscribeOutcome], progress: JobProgress) -> None:
    """Per-learner outcomes appear on the job page while the job runs."""
    progress.advance()
    Job.objects.filter(pk=job.pk).update(result={"outcomes": [o.as_dict() for o in outcomes]}, done=progress.job.done)


def _politely(learners: Iterable[Learner],
              attempt: Callable[[Learner], SubscribeOutcome]) -> Iterator[SubscribeOutcome]:
    """``attempt`` each learner in turn, a failure being that learner's outcome. After a retryable error
    (aNewSpring asks to slow down or is struggling) the rest are not attempted: running again is safe."""
    stop_reason = ""
    for learner in learners:
        if stop_reason:
            yield SubscribeOutcome(learner, SKIPPED, stop_reason)
            continue
        try:
            yield attempt(learner)
        except AnewspringError as exc:
            if exc.retryable:
                stop_reason = _("Stopped after aNewSpring asked to slow down or failed; run it again later.")
            yield SubscribeOutcome(learner, FAILED, exc.message, retryable=exc.retryable)


def _learners_subscribe(*, learners: list[Learner], course: Course, start_date, expire_date, job: Job,
                        progress: JobProgress) -> list[SubscribeOutcome]:
    progress.set_total(len(learners))
    outcomes: list[SubscribeOutcome] = []
    client = anewspring_client()
    for outcome in _politely(learners, lambda learner: subscription_create(
            learner=learner, course=course, start_date=start_date, expire_date=expire_date, client=client)):
        outcomes.append(outcome)
        _publish(job, outcomes, progress)
    return outcomes


# --- create or update learners in aNewSpring ---------------------------------------------------
PUSHED = "pushed"
# A push job's result lists the learners that were not pushed, up to this many (the counts are complete).
PUSH_OUTCOMES_KEPT = 1000
PUSH_BATCH = 500


def learner_push(*, learner: Learner, client: AnewspringClient) -> SubscribeOutcome:
    """Create the learner in aNewSpring or update their fields there (addOrUpdateUser, with Custom1).

    The UID is not read back (that would be a getUser call per learner); :func:`learner_ensure_remote`
    links the learner when they are first subscribed.
    """
    with _action("learner.anewspring_push", learner=learner, obj=learner):
        client.add_or_update_user(_user_payload(learner))
        audit_record(action="learner.anewspring_push", system=SYSTEM, learner=learner, obj=learner,
                     summary=_("Created or updated in aNewSpring"))
    return SubscribeOutcome(learner, PUSHED, _("%(learner)s is created or updated in aNewSpring.")
                            % {"learner": learner})


def _learners_by_id(learner_ids: Sequence[int]) -> Iterator[Learner]:
    """The learners in the given order, read a batch at a time (a push may hold 100,000 of them)."""
    for batch in batched(learner_ids, PUSH_BATCH):
        learners = Learner.objects.in_bulk(batch)
        yield from (learners[pk] for pk in batch if pk in learners)


def learners_push(*, learner_ids: Sequence[int], progress, client: AnewspringClient | None = None) -> dict:
    """Create or update the learners in aNewSpring, one call each, stopping politely on a retryable
    error. ``progress`` is a :class:`~portal.jobs.JobProgress` or anything with its ``set_total`` and
    ``advance``. Returns the counts, a summary, and the outcomes of the learners not pushed."""
    client = client or anewspring_client()
    progress.set_total(len(learner_ids))
    counts = {PUSHED: 0, FAILED: 0, SKIPPED: 0}
    kept = []

    def push(learner: Learner) -> SubscribeOutcome:
        return learner_push(learner=learner, client=client)

    for outcome in _politely(_learners_by_id(learner_ids), push):
        counts[outcome.status] += 1
        if outcome.status != PUSHED and len(kept) < PUSH_OUTCOMES_KEPT:
            kept.append(outcome.as_dict())
        progress.advance()
    summary = (_("aNewSpring: %(pushed)s created or updated, %(failed)s failed, %(skipped)s not attempted.")
               % {"pushed": counts[PUSHED], "failed": counts[FAILED], "skipped": counts[SKIPPED]})
    return {"summary": summary, "counts": counts, "outcomes": kept}


def learners_push_start(*, learner_ids: Sequence[int], title: str, user=None, correlation_id=None) -> Job:
    """:func:`learners_push` in a background job, started once the caller's transaction commits."""
    if not anewspring_configured():
        raise AnewspringNotConfigured()
    with transaction.atomic():
        job = job_create(kind="anewspring_learners_push", title=title, params={"learner_ids": list(learner_ids)},
                         user=user, total=len(learner_ids))
        if correlation_id:
            job.correlation_id = correlation_id
            job.save(update_fields=["correlation_id"])
        job_start(job)
    return job


@job_handler("anewspring_learners_push", queue="anewspring")
def learners_push_job(job: Job, progress: JobProgress) -> dict:
    progress.step = 20
    return learners_push(learner_ids=job.params["learner_ids"], progress=progress)


# --- groups ------------------------------------------------------------------------------------
def learner_group_save(*, group: LearnerGroup | None, data: dict, members: Iterable[Learner]) -> LearnerGroup:
    """Create or change a group in the portal (not yet in aNewSpring: see :func:`learner_group_sync`)."""
    members = list(members)
    with transaction.atomic():
        creating = group is None
        before = {} if creating else {"external_id": group.external_id, "name": group.name, "type": group.type,
                                      "members": sorted(m.anewspring_id for m in group.members.all())}
        group = group or LearnerGroup()
        for name, value in data.items():
            setattr(group, name, value)
        group.full_clean()
        group.save()
        group.members.set(members)
        after = {"external_id": group.external_id, "name": group.name, "type": group.type,
                 "members": sorted(m.anewspring_id for m in members)}
        audit_record(action="group.create" if creating else "group.update", obj=group,
                     summary=str(group), changes=diff(before, after))
    return group


def learner_group_sync(*, group: LearnerGroup, client: AnewspringClient | None = None) -> LearnerGroup:
    """Create the group in aNewSpring (addGroup; "already exists" is fine) and add its members
    (addGroupUsers, duplicates ignored), creating members aNewSpring does not know yet."""
    with _action("group.sync", obj=group):
        client = client or anewspring_client()
        members = list(group.members.all())
        for learner in members:
            with audit_context(learner=learner):
                learner_ensure_remote(learner=learner, client=client)
        try:
            client.add_group(group.external_id, name=group.name, type=group.type)
        except AnewspringError as exc:
            if exc.status != 409:
                raise
        if members:
            client.add_group_users(group.external_id, [m.anewspring_id for m in members], ignore_duplicates=True)
        with transaction.atomic():
            LearnerGroup.objects.filter(pk=group.pk).update(synced_at=timezone.now())
            group.synced_at = timezone.now()
            audit_record(action="group.sync", system=SYSTEM, obj=group,
                         summary=_("Group %(group)s with %(count)s members synced to aNewSpring")
                         % {"group": group.external_id, "count": len(members)})
    return group


def _group_subscribe(*, group: LearnerGroup, course: Course, job: Job, progress: JobProgress) -> list[SubscribeOutcome]:
    """subscribeGroups for the group, after syncing it; members already subscribed are reported as such.

    isSubscribed is checked per member first; when every member is subscribed, subscribeGroups
    is not called at all.
    """
    members = list(group.members.all())
    progress.set_total(len(members))
    client = anewspring_client()
    learner_group_sync(group=group, client=client)
    already = {}
    with _action("subscription.group_create", course=course, obj=group):
        for learner in members:
            with audit_context(learner=learner):
                already[learner.pk] = client.is_subscribed(learner_ref(learner), course_ref(course))
        if not all(already.values()):
            client.subscribe_groups(course_ref(course), [group.external_id])
        audit_record(action="subscription.group_create", system=SYSTEM, course=course, obj=group,
                     summary=_("Group %(group)s subscribed to %(course)s") % {"group": group, "course": course})
    outcomes = []
    for learner in members:
        was = already[learner.pk]
        subscription = _subscription_save(learner=learner, course=course, start_date=None, expire_date=None,
                                          already=was)
        _refresh_quietly(subscription, client)
        outcomes.append(SubscribeOutcome(
            learner, ALREADY if was else SUBSCRIBED,
            (_("%(learner)s was already subscribed.") if was else _("%(learner)s is subscribed through the group."))
            % {"learner": learner}, subscription))
        _publish(job, outcomes, progress)
    return outcomes


# --- change, unsubscribe, score ----------------------------------------------------------------
def _snapshot(subscription: Subscription) -> dict:
    return {"start_date": subscription.start_date, "expire_date": subscription.expire_date,
            "expired": subscription.expired, "finished": subscription.finished}


def subscription_update(*, subscription: Subscription, start_date: date | None = None,
                        expire_date: date | None = None, expire_now: bool = False) -> Subscription:
    """Change the start or expiry date, or expire the subscription now (updateSubscription)."""
    learner, course = subscription.learner, subscription.course
    with _action("subscription.update", learner=learner, course=course, obj=subscription):
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
                         summary=(_("Expired now") if expire_now else
                                  _("Changed %(fields)s") % {"fields": ", ".join(changes) or _("nothing")}),
                         changes=changes)
    _refresh_quietly(subscription, client)
    return subscription


def subscription_unsubscribe(*, subscription: Subscription) -> Subscription:
    """End the subscription in aNewSpring; the results stay readable and the local copy is kept."""
    learner, course = subscription.learner, subscription.course
    with _action("subscription.unsubscribe", learner=learner, course=course, obj=subscription):
        client = anewspring_client()
        client.unsubscribe(learner_ref(learner), course_ref(course))
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
            before = _snapshot(subscription)
            subscription.finished = True
            subscription.save()
            audit_record(action="subscription.unsubscribe", system=SYSTEM, learner=learner, course=course,
                         obj=subscription, summary=_("Unsubscribed from %(course)s") % {"course": course},
                         changes=diff(before, _snapshot(subscription)))
    _refresh_quietly(subscription, client)
    return subscription


def external_activity_score(*, subscription: Subscription, activity: Activity, score: Decimal,
                            passed: bool | None = None, completed_on: date | None = None) -> list[ActivityResult]:
    """Register a score on an External activity (scoreExternalActivity), then read the results back."""
    learner, course = subscription.learner, subscription.course
    if activity.type != "External" or not activity.external_id or activity.template_id != course.template_id:
        raise ValueError("Only external activities of the course's template with an external ID can be scored.")
    with _action("activity.score", learner=learner, course=course, obj=subscription):
        client = anewspring_client()
        client.score_external_activity(learner_ref(learner), course_ref(course), activity.external_id, score=score,
                                       passed=passed, completed_on=completed_on)
        audit_record(action="activity.score", system=SYSTEM, learner=learner, course=course, obj=subscription,
                     summary=_("Scored %(score)s%% on %(activity)s") % {"score": score, "activity": activity},
                     changes={"activity": activity.name, "score": str(score),
                              "passed": passed, "date": completed_on.isoformat() if completed_on else None})
    try:
        return subscription_refresh(subscription=subscription, client=client)
    except AnewspringError:
        return []


# --- catalogue ---------------------------------------------------------------------------------
def _course_save(template: Template, info: anewspring.CourseInfo) -> Course:
    start, expire = info.start_date, info.expire_date
    if start and expire and expire < start:
        expire = None
    course, _created = Course.objects.update_or_create(
        external_id=info.id,
        defaults={"uid": info.uid or "", "name": info.name[:255], "template": template,
                  "reseller": info.reseller or "", "start_date": start, "expire_date": expire,
                  "synced_at": timezone.now()})
    return course


def catalogue_sync(*, progress: JobProgress | None = None) -> dict:
    """Templates (getTemplates) and their courses (getCourses) into the portal's catalogue.

    Templates or courses without an external ID are skipped: the portal addresses them by it.
    """
    with _action("catalogue.sync"):
        client = anewspring_client()
        templates = client.get_templates()
        if progress:
            progress.set_total(len(templates))
        counts = {"templates": 0, "courses": 0, "skipped": 0}
        for remote in templates:
            external_id = remote.id or remote.uid
            courses = client.get_courses(external_id)
            with transaction.atomic():
                template, _created = Template.objects.update_or_create(
                    external_id=external_id,
                    defaults={"uid": remote.uid, "name": remote.name[:255], "synced_at": timezone.now()})
                counts["templates"] += 1
                for info in courses:
                    if not info.id:
                        counts["skipped"] += 1
                        continue
                    _course_save(template, info)
                    counts["courses"] += 1
            if progress:
                progress.advance()
        summary = (_("%(templates)s templates and %(courses)s courses synced; %(skipped)s courses without "
                     "external ID skipped.") % counts)
        audit_record(action="catalogue.sync", system=SYSTEM, summary=summary, changes=counts)
    return {"summary": summary, **counts}


def catalogue_sync_start(*, user=None) -> Job:
    if not anewspring_configured():
        raise AnewspringNotConfigured()
    with transaction.atomic():
        job = job_create(kind="catalogue_sync", title=_("Sync the catalogue from aNewSpring"), params={}, user=user)
        job_start(job)
    return job


@job_handler("catalogue_sync", queue="anewspring")
def catalogue_sync_job(job: Job, progress: JobProgress) -> dict:
    from django.urls import reverse

    progress.step = 1
    return {**catalogue_sync(progress=progress), "next_url": reverse("catalogue")}


# --- the beat job ------------------------------------------------------------------------------
@dataclass
class _Fetched:
    subscription: Subscription
    calls: list[RemoteCall] = field(default_factory=list)
    result: anewspring.CourseResult | None = None
    error: AnewspringError | None = None


def _fetch(subscription: Subscription) -> _Fetched:
    """In a worker thread: HTTP only, no database; the calls are audited by the main thread."""
    fetched = _Fetched(subscription)
    client = anewspring_client(on_call=fetched.calls.append)
    try:
        fetched.result = client.get_course_results(learner_ref(subscription.learner), course_ref(subscription.course))
    except AnewspringError as exc:
        fetched.error = exc
    return fetched


def results_refresh_active(*, limit: int | None = None, concurrency: int | None = None) -> dict:
    """Refresh the results of active (not finished) subscriptions, the longest unrefreshed first.

    At most ``limit`` per run, at most ``concurrency`` calls at once; the run stops starting new
    calls as soon as aNewSpring answers with a retryable error (429, 503, timeouts).
    """
    if not anewspring_configured():
        return {"refreshed": 0, "failed": 0, "changed": 0, "stopped": False, "summary": "not configured"}
    limit = limit or settings.ANEWSPRING_REFRESH_BATCH
    concurrency = max(1, concurrency or settings.ANEWSPRING_CONCURRENCY)
    batch = list(Subscription.objects.filter(finished=False).select_related("learner", "course__template")
                 .order_by(F("results_refreshed_at").asc(nulls_first=True), "id")[:limit])
    counts = {"refreshed": 0, "failed": 0, "changed": 0, "stopped": False}
    queue = iter(batch)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="anewspring-refresh") as pool:
        pending = set()
        while True:
            while not counts["stopped"] and len(pending) < concurrency:
                subscription = next(queue, None)
                if subscription is None:
                    break
                pending.add(pool.submit(_fetch, subscription))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                _refresh_apply(future.result(), counts)
    counts["summary"] = (_("%(refreshed)s refreshed, %(failed)s failed, %(changed)s with changed results%(stop)s")
                         % {**counts, "stop": _("; stopped early") if counts["stopped"] else ""})
    return counts


def _refresh_apply(fetched: _Fetched, counts: dict) -> None:
    subscription = fetched.subscription
    learner, course = subscription.learner, subscription.course
    with audit_context(learner=learner, course=course):
        for call in fetched.calls:
            audit_remote_call(call)
        if fetched.error is not None:
            counts["failed"] += 1
            counts["stopped"] = counts["stopped"] or fetched.error.retryable
            audit_record(action="subscription.results_refresh", system=SYSTEM, outcome=AuditEvent.OUTCOME_FAILURE,
                         learner=learner, course=course, obj=subscription, error=fetched.error.message)
            return
        _sub, changed = _store_results(learner=learner, course=course, result=fetched.result,
                                       subscription=subscription)
        counts["refreshed"] += 1
        counts["changed"] += bool(changed)
