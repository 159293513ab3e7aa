"""The aNewSpring webhook receiver: signature, duplicates, processing through getResults."""

import json

import pytest
from django.urls import reverse

from portal.jobs import jobs_local_wait
from portal.models import AuditEvent, Course
from sandbox.anewspring import (
    DEFAULT_API_KEY,
    DEMO_LEARNER_ID,
    WOUND_COURSE_IDS,
    WOUND_EXTERNAL_ACTIVITY_ID,
    sign_webhook,
)
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.models import ActivityResult, Subscription, WebhookDelivery
from subscriptions.webhooks import payload_identifiers
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db
SECRET = "webhook-secret"
WOUND = WOUND_COURSE_IDS[0]


@pytest.fixture
def configured(anewspring, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    settings.ANEWSPRING_WEBHOOK_SECRET = SECRET
    catalogue_sync()
    return anewspring


def deliver(client, payload, *, secret=SECRET, signature=None):
    body = json.dumps(payload).encode()
    headers = {}
    if signature is not None or secret:
        headers["HTTP_X_WEBHOOK_SIGNATURE"] = signature if signature is not None else sign_webhook(body, secret)
    return client.post(reverse("anewspring_webhook"), body, content_type="application/json", **headers)


def event(created="2026-03-01T10:00:00Z", user=DEMO_LEARNER_ID, course=WOUND):
    return {"event": "activityCompleted", "created": created, "userId": user, "courseId": course}


def test_a_signed_event_refreshes_that_subscription(client, configured, django_capture_on_commit_callbacks):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    configured.app.complete_activity(DEMO_LEARNER_ID, WOUND, WOUND_EXTERNAL_ACTIVITY_ID, score=90)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, event())
    assert response.status_code == 200 and response.json()["duplicate"] is False
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.learner, delivery.course.external_id) == ("processed", learner, WOUND)
    sub = Subscription.objects.get(learner=learner, course__external_id=WOUND)
    assert ActivityResult.objects.get(subscription=sub, activity__external_id=WOUND_EXTERNAL_ACTIVITY_ID).score == 90
    assert AuditEvent.objects.filter(action="remote_call", actor="webhook", learner=learner).exists()
    assert AuditEvent.objects.filter(action="webhook.receive").exists()


def test_a_retried_delivery_is_acknowledged_and_dropped(client, configured, django_capture_on_commit_callbacks):
    LearnerFactory(external_id=DEMO_LEARNER_ID)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(client, event())
    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert callbacks == [] and WebhookDelivery.objects.count() == 1
    assert len([r for r in configured.app.requests if r.path.startswith("/api/getResults/")]) == 1


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSBzaWduYXR1cmU=", sign_webhook(b"{}", SECRET)])
def test_a_bad_or_missing_signature_is_refused(client, configured, signature):
    response = deliver(client, event(), signature=signature)
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


def test_without_a_secret_every_delivery_is_refused(client, settings):
    settings.ANEWSPRING_WEBHOOK_SECRET = ""
    response = deliver(client, event(), secret="", signature=sign_webhook(json.dumps(event()).encode(), ""))
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


def test_unknown_learners_courses_and_events_are_recorded_and_acknowledged(client, configured,
                                                                          django_capture_on_commit_callbacks):
    LearnerFactory(external_id=DEMO_LEARNER_ID)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, event(created="1", user="NOBODY")).status_code == 200
        assert deliver(client, event(created="2", course="NO-COURSE")).status_code == 200
        assert deliver(client, {"event": "somethingNew", "created": "3"}).status_code == 200
    notes = dict(WebhookDelivery.objects.values_list("created", "note"))
    assert notes == {"1": "Unknown learner NOBODY.", "2": "Unknown course NO-COURSE.",
                     "3": "Event 'somethingNew' names no learner and course the portal recognises."}
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"ignored"}


def test_a_learner_not_subscribed_in_anewspring_is_noted_not_failed(client, configured,
                                                                    django_capture_on_commit_callbacks):
    LearnerFactory(external_id="LEARNER-0003")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, event(user="LEARNER-0003")).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "ignored" and "not subscribed" in delivery.note
    assert not Subscription.objects.exists()


def test_an_unreadable_body_is_acknowledged_once(client, configured):
    body = b"not json"
    for _ in range(2):
        response = client.post(reverse("anewspring_webhook"), body, content_type="application/json",
                               HTTP_X_WEBHOOK_SIGNATURE=sign_webhook(body, SECRET))
        assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == "ignored"


def test_get_is_not_allowed(client):
    assert client.get(reverse("anewspring_webhook")).status_code == 405


@pytest.mark.parametrize("payload, expected", [
    ({"userId": "U1", "courseId": "C1"}, ("U1", None, "C1")),
    ({"data": {"user": {"id": "U2", "uid": "x"}, "course": {"id": "C2"}}}, ("U2", "x", "C2")),
    ({"userUID": "abc", "course": {"externalId": "C3"}}, (None, "abc", "C3")),
])
def test_recognised_payload_keys(payload, expected):
    assert payload_identifiers(payload) == expected


def test_course_model_is_untouched_by_unknown_course(client, configured, django_capture_on_commit_callbacks):
    count = Course.objects.count()
    LearnerFactory(external_id=DEMO_LEARNER_ID)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event(course="NO-COURSE"))
    assert Course.objects.count() == count


def post_body(client, body: bytes):
    return client.post(reverse("anewspring_webhook"), body, content_type="application/json",
                       HTTP_X_WEBHOOK_SIGNATURE=sign_webhook(body, SECRET))


def test_two_learners_events_of_one_kind_in_the_same_second_are_both_processed(
        client, configured, django_capture_on_commit_callbacks):
    anna, jan = LearnerFactory(external_id=DEMO_LEARNER_ID), LearnerFactory(external_id="LEARNER-0002")
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, event(user=DEMO_LEARNER_ID))
        second = deliver(client, event(user="LEARNER-0002"))
    assert first.json()["duplicate"] is False and second.json()["duplicate"] is False
    assert {(d.learner, d.status) for d in WebhookDelivery.objects.all()} == {(anna, "processed"), (jan, "processed")}
    assert Subscription.objects.filter(learner=jan, course__external_id=WOUND).exists()


def test_a_retry_formatted_differently_is_still_recognised(client, configured, django_capture_on_commit_callbacks):
    LearnerFactory(external_id=DEMO_LEARNER_ID)
    with django_capture_on_commit_callbacks(execute=True):
        post_body(client, json.dumps(event()).encode())
        response = post_body(client, json.dumps(event(), indent=2, sort_keys=True).encode())
    assert response.json()["duplicate"] is True and WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("body, reason", [
    (b'{"event": "activityCompleted", "created": "1", "userId": "A\\u0000B"}', "NUL character"),
    (b'{"event": "activityCompleted", "created": "1", "score": NaN}', "NaN"),
    (b'{"event": "activityCompleted", "created": "1", "score": 1e999}', "too large"),
    (b'{"event": "activityCompleted", "created": "1", "userId": "\\ud800"}', "lone surrogate"),
    (b'{"event": "activityCompleted", "created": "1", "\\udfff": 1}', "lone surrogate"),
    (b'{"event": "x", "data": ' + b'[' * 100_000 + b']' * 100_000 + b'}', "nested too deeply"),
    (b'{"event": "x", "data": ' + b'{"a": ' * 40 + b'1' + b'}' * 40 + b'}', "nested too deeply"),
    (b"\xff\xfe not even text", "not JSON"),
])
def test_a_signed_body_that_cannot_be_processed_is_stored_marked_and_acknowledged(client, configured, body, reason):
    for _ in range(2):  # and a retry of it is recognised
        response = post_body(client, body)
        assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "ignored" and reason in delivery.note
    assert "\x00" not in json.dumps(delivery.payload) and len(delivery.payload["raw"]) <= 2000
    outcome = AuditEvent.objects.get(action="webhook.process")
    assert outcome.changes["status"] == "ignored" and outcome.actor == "webhook"


def test_outcomes_are_audit_events(client, configured, django_capture_on_commit_callbacks):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    configured.app.fail_next(status=429, body="Slow down", path_contains="getResults")  # a retry may cure it
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event(created="failed"))
        deliver(client, event(created="processed"))
        deliver(client, event(created="ignored", user="NOBODY"))
    outcomes = {e.summary.split(": ")[-1]: e for e in AuditEvent.objects.filter(action="webhook.process")}
    assert set(outcomes) == {"failed", "processed", "ignored"}
    assert outcomes["failed"].outcome == AuditEvent.OUTCOME_FAILURE and "try again later" in outcomes["failed"].error
    assert outcomes["processed"].learner == learner and outcomes["processed"].outcome == AuditEvent.OUTCOME_SUCCESS
    assert outcomes["ignored"].changes == {"status": "ignored", "attempts": 1}


def test_a_redelivery_of_a_failed_delivery_is_processed(client, configured, django_capture_on_commit_callbacks):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    configured.app.fail_next(status=429, body="Slow down", path_contains="getResults")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event())
    assert WebhookDelivery.objects.get().status == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, event())
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("processed", 2)
    assert Subscription.objects.filter(learner=learner, course__external_id=WOUND).exists()
    assert AuditEvent.objects.filter(action="webhook.redelivered").count() == 1


def test_the_sweep_processes_what_was_never_processed_or_failed(client, configured, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from subscriptions.tasks import webhook_sweep
    from subscriptions.webhooks import MAX_ATTEMPTS

    LearnerFactory(external_id=DEMO_LEARNER_ID)
    # The broker was down: the deliveries were stored, their tasks never ran.
    for created in ("lost", "recent", "failed", "given-up"):
        deliver(client, event(created=created))
    long_ago = timezone.now() - timedelta(hours=1)
    WebhookDelivery.objects.exclude(created="recent").update(received_at=long_ago)
    WebhookDelivery.objects.filter(created="failed").update(status="failed", attempts=1, attempted_at=long_ago)
    WebhookDelivery.objects.filter(created="given-up").update(status="failed", attempts=MAX_ATTEMPTS,
                                                              attempted_at=long_ago)

    assert webhook_sweep.delay().get() == {"swept": 2, "received": 0, "processed": 2, "ignored": 0, "failed": 0}
    statuses = dict(WebhookDelivery.objects.values_list("created", "status"))
    assert statuses == {"lost": "processed", "recent": "received", "failed": "processed", "given-up": "failed"}
    assert webhook_sweep.delay().get()["swept"] == 0


def test_a_delivery_without_the_signature_header_is_refused(client, configured):
    response = client.post(reverse("anewspring_webhook"), json.dumps(event()), content_type="application/json")
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


def test_an_oversized_body_is_refused_unread_even_when_signed(client, configured):
    events_before = AuditEvent.objects.count()
    response = deliver(client, {**event(), "padding": "x" * (300 * 1024)})
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists() and AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, configured, method):
    assert getattr(client, method)(reverse("anewspring_webhook")).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_delivery_is_answered_at_once_and_processed_after(client, configured, job_threads):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    configured.app.complete_activity(DEMO_LEARNER_ID, WOUND, WOUND_EXTERNAL_ACTIVITY_ID, score=90)
    job_threads.launch()  # keeps the one background thread busy: the delivery waits its turn

    response = deliver(client, event())

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.RECEIVED  # answered before any work
    assert not [r for r in configured.app.requests if r.path.startswith("/api/getResults/")]
    job_threads.open()
    jobs_local_wait()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.PROCESSED
    assert ActivityResult.objects.get(subscription__learner=learner,
                                      activity__external_id=WOUND_EXTERNAL_ACTIVITY_ID).score == 90


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_new_process_processes_the_deliveries_an_earlier_one_left(configured, job_threads):
    """No beat without a broker: the first request of a process runs the sweep, as it resumes jobs."""
    from datetime import timedelta

    from django.utils import timezone

    from portal import jobs

    LearnerFactory(external_id=DEMO_LEARNER_ID)
    # Stored and answered; the process exited before its thread processed it.
    WebhookDelivery.objects.create(identity="cut-off", event="activityCompleted", created="cut off",
                                   payload=event(created="cut off"))
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(hours=1))
    job_threads.open()

    jobs.local_runner.recover()  # what the first request of the next process does
    jobs_local_wait()

    assert WebhookDelivery.objects.get().status == WebhookDelivery.PROCESSED
