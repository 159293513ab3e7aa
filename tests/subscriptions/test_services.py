"""Subscription services against the aNewSpring sandbox over real HTTP on loopback."""

import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.jobs import job_run_now
from portal.models import Activity, AuditEvent, Course, Job
from sandbox.anewspring import (
    DEFAULT_API_KEY,
    DEMO_COURSE_ID,
    DEMO_LEARNER_ID,
    WOUND_COURSE_IDS,
    WOUND_EXTERNAL_ACTIVITY_ID,
)
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.changes import external_activity_score, subscription_unsubscribe, subscription_update
from subscriptions.services.groups import learner_group_save
from subscriptions.services.outcomes import ALREADY, SUBSCRIBED
from subscriptions.services.refresh import results_refresh_active
from subscriptions.services.results import subscription_refresh, subscriptions_refresh
from subscriptions.services.subscribe import subscription_create, subscriptions_bulk_start
from subscriptions.client import AnewspringError
from subscriptions.models import ActivityResult, Subscription
from subscriptions.signals import activity_results_changed
from tests.factories import LearnerFactory
from tests.subscriptions.factories import LearnerGroupFactory

pytestmark = pytest.mark.django_db
WOUND = WOUND_COURSE_IDS[0]


@pytest.fixture
def aws(anewspring, settings):
    """The sandbox, the portal configured for it, and the catalogue synced."""
    settings.ANEWSPRING_URL = anewspring.url
    settings.ANEWSPRING_API_KEY = DEFAULT_API_KEY
    catalogue_sync()
    return anewspring


@pytest.fixture
def signals():
    received = []

    def receiver(sender, subscription, changed, **kwargs):
        received.append((subscription, changed))

    activity_results_changed.connect(receiver)
    yield received
    activity_results_changed.disconnect(receiver)


def posts(app, call):
    return [r for r in app.app.requests if r.method == "POST" and r.path.startswith(f"/api/{call}/")]


def course(external_id):
    return Course.objects.get(external_id=external_id)


def test_catalogue_sync_stores_templates_and_courses(aws):
    assert set(Course.objects.values_list("external_id", flat=True)) == {DEMO_COURSE_ID, *WOUND_COURSE_IDS,
                                                                         "DEMO-FREE-1"}
    assert course(WOUND).template.external_id == "WOUNDCARE"
    assert course(WOUND).start_date == date(2026, 1, 12)
    event = AuditEvent.objects.filter(action="catalogue.sync").get()
    assert "4 templates synced; 4 courses synced" in event.summary
    assert AuditEvent.objects.filter(action="remote_call", http_path__startswith="/api/getCourses/").count() == 3


def test_the_management_command_syncs_the_catalogue(anewspring, settings, capsys):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    call_command("sync_anewspring")
    assert "4 templates synced; 4 courses synced" in capsys.readouterr().out
    assert Course.objects.count() == 4
    assert AuditEvent.objects.get(action="catalogue.sync").actor == "command"


def test_not_configured_is_an_error_with_a_clear_message(db):
    with pytest.raises(AnewspringError, match="aNewSpring is not configured"):
        catalogue_sync()


def test_subscribing_a_new_learner_creates_them_in_anewspring_with_custom1(aws):
    learner = LearnerFactory(external_id="NEW-1", custom1="19/39054148101")
    outcome = subscription_create(learner=learner, course=course(WOUND), start_date=date(2026, 2, 1),
                                           expire_date=date(2026, 12, 31))
    assert outcome.status == SUBSCRIBED
    assert aws.app.users["NEW-1"].fields["custom1"] == "19/39054148101"
    assert aws.app.subscription("NEW-1", WOUND).expire_date == date(2026, 12, 31)
    learner.refresh_from_db()
    assert learner.uid == aws.app.users["NEW-1"].uid
    sub = Subscription.objects.get(learner=learner)
    assert (sub.start_date, sub.expire_date, sub.finished) == (date(2026, 2, 1), date(2026, 12, 31), False)
    assert sub.results_refreshed_at is not None  # read back after subscribing
    actions = list(AuditEvent.objects.filter(learner=learner).values_list("action", flat=True))
    assert {"learner.anewspring_create", "subscription.create", "remote_call"} <= set(actions)
    subscribe_call = AuditEvent.objects.get(action="remote_call", http_path__startswith="/api/subscribe/")
    assert (subscribe_call.learner, subscribe_call.course, subscribe_call.http_status) == (learner, course(WOUND), 200)


def test_is_subscribed_is_checked_first_and_nobody_is_subscribed_twice(aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    outcome = subscription_create(learner=learner, course=course(WOUND))
    assert outcome.status == ALREADY
    assert posts(aws, "subscribe") == []
    assert Subscription.objects.filter(learner=learner, course=course(WOUND)).exists()
    assert "no licence used" in AuditEvent.objects.get(action="subscription.create").summary


@pytest.mark.parametrize("status", [500, 503, 400])
def test_a_failed_subscribe_changes_nothing_and_is_audited(aws, status):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    aws.app.fail_next(status=status, body="Licence pool empty", path_contains="/api/subscribe/")
    with pytest.raises(AnewspringError) as error:
        subscription_create(learner=learner, course=course("WOUNDCARE-2026-02"))
    assert "Licence pool empty" in error.value.message
    assert not Subscription.objects.exists()
    failed = AuditEvent.objects.get(action="subscription.create")
    assert failed.outcome == AuditEvent.OUTCOME_FAILURE and "Licence pool empty" in failed.error
    call = AuditEvent.objects.get(action="remote_call", http_path__startswith="/api/subscribe/")
    assert (call.http_status, call.outcome, call.learner, call.actor) == (status, "failure", learner, "system")


def test_refresh_learns_activities_and_results_and_signals_the_changes_once(aws, signals):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions = subscriptions_refresh(learner=learner)
    assert {s.course.external_id for s in subscriptions} == {DEMO_COURSE_ID, WOUND}
    demo = Subscription.objects.get(course__external_id=DEMO_COURSE_ID)
    assert (demo.grade, demo.progress, demo.completed, demo.reseller) == (Decimal("67"), "2/2", True, "EXAMPLEID")
    assert demo.objectives_progress == 0.375
    assessment = ActivityResult.objects.get(subscription=demo, activity__name="Example assessment")
    assert (assessment.score, assessment.passed, assessment.attempts) == (Decimal("67"), True, 2)
    assert Activity.objects.filter(template__external_id="WOUNDCARE").count() == 6
    parts = demo.results["parts"]
    assert parts[1]["attempts"][1]["terms"][0] == {"name": "Exam term 1", "max_score": 1.0, "score": 1.0,
                                                   "threshold": 0.0}
    assert [s.course.external_id for s, _changed in signals] == [DEMO_COURSE_ID]
    assert len(signals[0][1]) == 2

    subscription_refresh(subscription=demo)
    assert len(signals) == 1  # nothing changed: no signal

    aws.app.complete_activity(DEMO_LEARNER_ID, WOUND, WOUND_EXTERNAL_ACTIVITY_ID, score=75)
    changed = subscription_refresh(subscription=Subscription.objects.get(course__external_id=WOUND))
    assert [r.activity.external_id for r in changed] == [WOUND_EXTERNAL_ACTIVITY_ID]
    assert len(signals) == 2 and signals[1][1][0].score == Decimal("75")


def test_change_dates_expire_and_unsubscribe(aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    sub = subscriptions_refresh(learner=learner)[1]
    sub = Subscription.objects.get(course__external_id=WOUND)
    subscription_update(subscription=sub, expire_date=date(2027, 6, 30))
    assert aws.app.subscription(DEMO_LEARNER_ID, WOUND).expire_date == date(2027, 6, 30)
    sub.refresh_from_db()
    assert sub.expire_date == date(2027, 6, 30)
    event = AuditEvent.objects.get(action="subscription.update")
    assert event.changes["expire_date"]["after"] == "2027-06-30"

    subscription_update(subscription=sub, expire_now=True)
    sub.refresh_from_db()
    assert sub.expired and sub.finished and sub.status == Subscription.EXPIRED
    assert aws.app.subscription(DEMO_LEARNER_ID, WOUND).expired

    demo = Subscription.objects.get(course__external_id=DEMO_COURSE_ID)
    subscription_unsubscribe(subscription=demo)
    demo.refresh_from_db()
    assert demo.finished and demo.status == Subscription.UNSUBSCRIBED
    assert aws.app.subscription(DEMO_LEARNER_ID, DEMO_COURSE_ID).unsubscribed
    assert AuditEvent.objects.filter(action="subscription.unsubscribe", outcome="success").count() == 1


def test_a_failed_change_changes_no_local_state(aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    sub = Subscription.objects.get(course__external_id=WOUND)
    before = (sub.expire_date, sub.finished)
    aws.app.fail_next(status=404, body='{"errors": [{"message": "Subscription not found"}]}',
                      content_type="application/json", path_contains="updateSubscription")
    with pytest.raises(AnewspringError, match="Subscription not found"):
        subscription_update(subscription=sub, expire_date=date(2030, 1, 1))
    aws.app.fail_next(status=500, path_contains="unsubscribe")
    with pytest.raises(AnewspringError):
        subscription_unsubscribe(subscription=sub)
    sub.refresh_from_db()
    assert (sub.expire_date, sub.finished) == before
    assert set(AuditEvent.objects.filter(outcome="failure").values_list("action", flat=True)) == {
        "subscription.update", "subscription.unsubscribe", "remote_call"}


def test_scoring_an_external_activity_shows_after_the_refresh(aws, signals):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    sub = Subscription.objects.get(course__external_id=WOUND)
    activity = Activity.objects.get(external_id=WOUND_EXTERNAL_ACTIVITY_ID)
    changed = external_activity_score(subscription=sub, activity=activity, score=Decimal("80"))
    result = ActivityResult.objects.get(subscription=sub, activity=activity)
    assert (result.score, result.passed, result.completed) == (Decimal("80"), True, True)
    assert changed == [result] and signals[-1][1] == [result]
    assert AuditEvent.objects.get(action="activity.score").changes["score"] == "80"


def test_a_rejected_score_is_a_message_and_no_change(aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    sub = Subscription.objects.get(course__external_id=WOUND)
    activity = Activity.objects.get(external_id=WOUND_EXTERNAL_ACTIVITY_ID)
    with pytest.raises(AnewspringError, match="score must be a number from 0 to 100"):
        external_activity_score(subscription=sub, activity=activity, score=Decimal("120"))
    assert ActivityResult.objects.get(subscription=sub, activity=activity).score is None


def test_bulk_subscribe_job_reports_each_learner_and_never_subscribes_twice(aws, django_capture_on_commit_callbacks):
    already = LearnerFactory(external_id=DEMO_LEARNER_ID)
    new = LearnerFactory(external_id="NEW-2")
    known = LearnerFactory(external_id="LEARNER-0003")
    with django_capture_on_commit_callbacks(execute=True):
        job = subscriptions_bulk_start(learners=[already, new, known], course=course(WOUND))
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and (job.done, job.total) == (3, 3)
    statuses = {o["learner_id"]: o["status"] for o in job.result["outcomes"]}
    assert statuses == {already.pk: "already_subscribed", new.pk: "subscribed", known.pk: "subscribed"}
    assert "2 subscribed, 1 already subscribed, 0 failed" in job.result["summary"]
    assert sorted(r.path for r in posts(aws, "subscribe")) == [f"/api/subscribe/LEARNER-0003/{WOUND}",
                                                              f"/api/subscribe/NEW-2/{WOUND}"]
    # Running it again subscribes nobody.
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions_bulk_start(learners=[already, new, known], course=course(WOUND))
    assert len(posts(aws, "subscribe")) == 2
    assert AuditEvent.objects.filter(correlation_id=job.correlation_id, action="subscription.create").count() == 3


def test_bulk_subscribe_stops_politely_on_a_retryable_error(aws, django_capture_on_commit_callbacks):
    learners = [LearnerFactory(external_id=i) for i in ("LEARNER-0002", "LEARNER-0003")]
    aws.app.fail_next(status=503, path_contains="/api/subscribe/")
    with django_capture_on_commit_callbacks(execute=True):
        job = subscriptions_bulk_start(learners=learners, course=course("WOUNDCARE-2026-02"))
    job.refresh_from_db()
    assert [o["status"] for o in job.result["outcomes"]] == ["failed", "skipped"]
    assert not Subscription.objects.filter(course__external_id="WOUNDCARE-2026-02").exists()


def test_a_group_is_synced_and_subscribed_with_subscribe_groups(aws, django_capture_on_commit_callbacks):
    members = [LearnerFactory(external_id="LEARNER-0002"), LearnerFactory(external_id="NEW-3")]
    group = learner_group_save(group=None, data={"external_id": "GRP-NEW", "name": "New nurses"},
                                        members=members)
    with django_capture_on_commit_callbacks(execute=True):
        job = subscriptions_bulk_start(group=group, course=course(WOUND))
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED, job.error
    assert {o["status"] for o in job.result["outcomes"]} == {"already_subscribed", "subscribed"}
    assert len(aws.app.groups["GRP-NEW"].members) == 2
    assert [r.path for r in posts(aws, "subscribeGroups")] == [f"/api/subscribeGroups/{WOUND}"]
    assert aws.app.subscription("NEW-3", WOUND) is not None
    group.refresh_from_db()
    assert group.synced_at is not None
    assert Subscription.objects.filter(course__external_id=WOUND).count() == 2


def test_a_group_whose_members_are_all_subscribed_is_not_subscribed_again(aws, django_capture_on_commit_callbacks):
    group = LearnerGroupFactory(external_id="GRP-NURSES")
    group.members.set([LearnerFactory(external_id="LEARNER-0002")])
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions_bulk_start(group=group, course=course(WOUND))
    assert posts(aws, "subscribeGroups") == []


def test_beat_refresh_is_incremental_and_fires_the_signal(aws, signals):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    other = LearnerFactory(external_id="LEARNER-0002")
    demo = Subscription.objects.create(learner=learner, course=course(DEMO_COURSE_ID))
    wound = Subscription.objects.create(learner=learner, course=course(WOUND))
    second = Subscription.objects.create(learner=other, course=course(WOUND))
    Subscription.objects.create(learner=other, course=course("DEMO-FREE-1"), finished=True)  # not refreshed

    counts = results_refresh_active(limit=2, concurrency=2)
    assert (counts["refreshed"], counts["failed"], counts["stopped"]) == (2, 0, False)
    refreshed = set(Subscription.objects.filter(results_refreshed_at__isnull=False).values_list("pk", flat=True))
    assert refreshed == {demo.pk, wound.pk}
    assert [s.pk for s, _c in signals] == [demo.pk]

    counts = results_refresh_active(limit=2)
    # The one never refreshed goes first, then the oldest.
    assert Subscription.objects.get(pk=second.pk).results_refreshed_at is not None
    assert counts["refreshed"] == 2
    events = AuditEvent.objects.filter(action="remote_call", http_path__startswith="/api/getResults/")
    assert events.count() == 4 and all(e.learner_id and e.course_id for e in events)


def test_beat_refresh_starts_no_more_calls_per_second_than_its_cap(aws):
    learner, other = LearnerFactory(external_id=DEMO_LEARNER_ID), LearnerFactory(external_id="LEARNER-0002")
    for lrn, crs in ((learner, DEMO_COURSE_ID), (learner, WOUND), (other, WOUND), (other, DEMO_COURSE_ID)):
        Subscription.objects.create(learner=lrn, course=course(crs))

    start = time.monotonic()
    counts = results_refresh_active(concurrency=4, calls_per_second=5)

    # Four calls, at most five a second: the fourth starts 0.6 s after the first, however many may run at once.
    assert counts["refreshed"] + counts["failed"] == 4
    assert time.monotonic() - start >= 0.6


def test_beat_refresh_stores_many_answers_with_a_few_queries_each(aws):
    """The beat job refreshes thousands of subscriptions: their answers are stored in batches (one
    transaction and one audit-chain lock for many), not with two dozen queries each."""
    for n in range(30):
        aws.app.add_user(f"BATCH-{n}", firstName="Anna", lastName=f"Batch {n}")
        aws.app.subscribe(f"BATCH-{n}", WOUND)
        Subscription.objects.create(learner=LearnerFactory(external_id=f"BATCH-{n}"), course=course(WOUND))

    with CaptureQueriesContext(connection) as queries:
        counts = results_refresh_active(concurrency=4)

    assert (counts["refreshed"], counts["failed"]) == (30, 0)
    assert ActivityResult.objects.filter(subscription__learner__external_id="BATCH-7").exists()
    assert AuditEvent.objects.filter(action="subscription.results_refresh", outcome="success").count() == 30
    assert len(queries) <= 30 * 4  # each: its update and its new results; the activities are met once


def test_beat_refresh_stops_on_a_retryable_answer(aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    other = LearnerFactory(external_id="LEARNER-0002")
    for lrn, crs in ((learner, DEMO_COURSE_ID), (learner, WOUND), (other, WOUND)):
        Subscription.objects.create(learner=lrn, course=course(crs))
    aws.app.fail_next(status=429, body="Slow down")
    counts = results_refresh_active(concurrency=1)
    assert counts["stopped"] and counts["failed"] == 1 and counts["refreshed"] == 0
    assert not Subscription.objects.filter(results_refreshed_at__isnull=False).exists()
    assert AuditEvent.objects.get(action="subscription.results_refresh").outcome == "failure"


def test_the_beat_task_runs_as_beat(aws):
    from subscriptions.tasks import results_refresh_active

    Subscription.objects.create(learner=LearnerFactory(external_id=DEMO_LEARNER_ID), course=course(DEMO_COURSE_ID))
    results_refresh_active.delay()
    assert AuditEvent.objects.filter(action="remote_call", actor="beat").count() == 1


def test_a_bulk_subscribe_resumed_after_its_worker_died_goes_on_after_the_published_outcomes(aws):
    done, rest = LearnerFactory(external_id="NEW-2"), LearnerFactory(external_id="LEARNER-0003")
    earlier = {"learner_id": done.pk, "learner": done.full_name, "status": SUBSCRIBED, "message": "",
               "subscription_id": None}
    job = Job.objects.create(kind="subscriptions_bulk", title="Subscribe", status=Job.RUNNING, total=2, done=1,
                             result={"outcomes": [earlier]},
                             params={"course_id": course(WOUND).pk, "learner_ids": [done.pk, rest.pk],
                                     "group_id": None, "start_date": None, "expire_date": None})

    job = job_run_now(job.pk)

    assert job.status == Job.SUCCEEDED and (job.done, job.total) == (2, 2)
    assert [o["learner_id"] for o in job.result["outcomes"]] == [done.pk, rest.pk]
    assert "2 subscribed, 0 already subscribed" in job.result["summary"]
    assert [r.path for r in posts(aws, "subscribe")] == [f"/api/subscribe/LEARNER-0003/{WOUND}"]
