"""The fault matrix seen by a coordinator: the pages that call each system, under every fault.

Each page answers with a message (never a server error page: the test client re-raises any
exception a view lets through), the failure is in the audit log, and the portal's own records are
either fully updated (the call succeeded, perhaps after a safe retry) or untouched. A page that
starts a job is judged on the job's page: its outcome is readable there. Unsafe calls are never
retried: the matrix in ``test_fault_matrix`` proves that per call, and the page tests count the
writes the sandbox received.
"""

import json
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accreditation.models import Award
from enrolments.models import Enrolment, ProgressSnapshot, ReferenceItem
from enrolments.services import reference_sync
from portal.imports.models import LearnerImport
from portal.models import Activity, AuditEvent, Course, Job, Learner
from sandbox.anewspring import (
    DEFAULT_API_KEY,
    DEMO_LEARNER_ID,
    WOUND_COURSE_IDS,
    WOUND_EXTERNAL_ACTIVITY_ID,
    AnewspringSandbox,
    sign_webhook,
)
from sandbox.learning_assistant import (
    COURSES_PATH,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    ENROLMENT_PATH,
    UPDATE_PATH,
    USERS_PATH,
    LearningAssistantSandbox,
)
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY, PEOnlineSandbox
from subscriptions.models import ActivityResult, LearnerGroup, Subscription, WebhookDelivery
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.groups import learner_group_save
from subscriptions.services.results import subscriptions_refresh
from subscriptions.webhooks import SWEEP_AFTER, webhook_sweep
from tests.accreditation.factories import AwardFactory
from tests.enrolments.test_views import enrol_data
from tests.factories import LearnerFactory
from tests.faults.test_fault_matrix import FAULTS, PASSING, READ_TIMEOUT, _closed_port_url, _fault_kwargs
from tests.imports.test_push import confirm as import_confirm
from tests.imports.test_push import upload as import_upload

pytestmark = pytest.mark.django_db
SERVICE_FAULTS = [pytest.param(f, id=f.name) for f in FAULTS if not f.token_expired]
LA_FAULTS = [pytest.param(f, id=f.name) for f in FAULTS]


@pytest.fixture(autouse=True)
def english_and_fast(settings, request):
    settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT = 0.5, READ_TIMEOUT
    callspec = getattr(request.node, "callspec", None)
    for name, value in (callspec.params["fault"].settings if callspec and "fault" in callspec.params else {}).items():
        setattr(settings, name, value)  # the row's own, e.g. a short deadline for the trickling answer
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


def _inject(sandbox, fault, system: str, path: str) -> str:
    """Make the sandbox misbehave; returns the address the portal should use."""
    if fault.refused:
        return _closed_port_url()
    if fault.token_expired:
        sandbox.app.advance(minutes=31)
    else:
        sandbox.app.fail_next(**_fault_kwargs(fault, system, path))
    return sandbox.url


def _shown(response) -> str:
    """The one message the page shows (success or error); there must be exactly one."""
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0].strip(), messages
    assert "<" not in messages[0] and "Traceback" not in messages[0]
    return messages[0]


def _failure_audited(system: str) -> bool:
    return AuditEvent.objects.filter(system=system, outcome=AuditEvent.OUTCOME_FAILURE).exists()


def _sent(sandbox, since: int, path: str) -> list:
    return [r for r in sandbox.app.requests[since:] if path in r.path]


def _never_repeated(sandbox, since: int, path: str) -> None:
    """An unsafe call reached the remote system at most once: the portal never retried it by itself."""
    sent = [(r.path, sorted(r.query.items())) for r in _sent(sandbox, since, path)]
    assert len(sent) == len({repr(s) for s in sent}), sent


def _job_shown(client, response) -> Job:
    """The job a page started, as its page shows it once it ran: a failed job says why, in one readable text."""
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    assert page.status_code == 200
    job = page.context["job"]
    assert job.finished, job.status
    if job.status == Job.FAILED:
        assert job.error.strip() and "Traceback" not in job.error and "<" not in job.error, job.error
        assert escape(job.error) in page.content.decode()
    return job


# --- aNewSpring -------------------------------------------------------------------------------------
@pytest.fixture
def aws(start_sandbox, settings):
    sandbox = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = sandbox.url, DEFAULT_API_KEY
    catalogue_sync()
    return sandbox


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_refreshing_a_learners_subscriptions(fault, aws, settings, coordinator_client):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/getResults")

    response = coordinator_client.post(reverse("learner_subscriptions_refresh", args=[learner.pk]), follow=True)

    message = _shown(response)
    stored = Subscription.objects.filter(learner=learner).count()
    if "refreshed" in message:
        assert stored == 2
    else:
        assert stored == 0 and _failure_audited("anewspring"), message


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_unsubscribing(fault, aws, settings, coordinator_client):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    subscription = Subscription.objects.filter(learner=learner).first()
    before = Subscription.objects.values().get(pk=subscription.pk)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/unsubscribe")

    response = coordinator_client.post(reverse("subscription_unsubscribe", args=[subscription.pk]), follow=True)

    message = _shown(response)
    after = Subscription.objects.values().get(pk=subscription.pk)
    if "is unsubscribed" in message:
        assert after != before
    else:
        assert after == before and _failure_audited("anewspring"), message


WOUND = WOUND_COURSE_IDS[0]
SUBSCRIBE = "/api/subscribe/"


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_subscribing_one_learner(fault, aws, settings, coordinator_client):
    learner = LearnerFactory(external_id="NEW-9")
    course = Course.objects.get(external_id=WOUND_COURSE_IDS[1])
    since = len(aws.app.requests)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", SUBSCRIBE)

    response = coordinator_client.post(reverse("subscribe"), {
        "learners": [learner.pk], "course": course.pk, "expire_date": "2027-03-09"}, follow=True)

    message = _shown(response)
    _never_repeated(aws, since, SUBSCRIBE)
    if "subscribed to" in message:  # subscribed, or a 409: aNewSpring has it already
        assert Subscription.objects.filter(learner=learner, course=course).exists()
    else:
        assert not Subscription.objects.exists() and _failure_audited("anewspring"), message


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_subscribing_several_learners(fault, aws, settings, coordinator_client, django_capture_on_commit_callbacks):
    learners = [LearnerFactory(external_id=DEMO_LEARNER_ID), LearnerFactory(external_id="NEW-7")]
    course = Course.objects.get(external_id=WOUND)
    since = len(aws.app.requests)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", SUBSCRIBE)

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("subscribe"), {
            "learners": [learner.pk for learner in learners], "course": course.pk})

    job = _job_shown(coordinator_client, response)
    _never_repeated(aws, since, SUBSCRIBE)
    assert job.status == Job.SUCCEEDED  # one learner failing is an outcome, not a failed job
    outcomes = {o["learner_id"]: o for o in job.result["outcomes"]}
    assert set(outcomes) == {learner.pk for learner in learners}
    for learner in learners:
        outcome = outcomes[learner.pk]
        assert outcome["message"].strip() and "<" not in outcome["message"], outcome
        stored = Subscription.objects.filter(learner=learner, course=course).exists()
        assert stored == (outcome["status"] in ("subscribed", "already_subscribed")), outcome
    if any(o["status"] == "failed" for o in outcomes.values()):
        assert _failure_audited("anewspring")


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_subscribing_a_group(fault, aws, settings, coordinator_client, django_capture_on_commit_callbacks):
    members = [LearnerFactory(external_id="LEARNER-0003"), LearnerFactory(external_id="NEW-8")]
    group = learner_group_save(group=None, data={"external_id": "GRP-FAULT", "name": "Faults"}, members=members)
    course = Course.objects.get(external_id=WOUND_COURSE_IDS[1])
    since = len(aws.app.requests)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/subscribeGroups")

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("subscribe"), {
            "group": group.pk, "course": course.pk, "confirmed": "True"})

    job = _job_shown(coordinator_client, response)
    _never_repeated(aws, since, "/api/subscribeGroups")
    stored = Subscription.objects.filter(learner__in=members, course=course).count()
    if job.status == Job.SUCCEEDED:
        assert stored == len(members), job.result
    else:
        assert stored == 0 and _failure_audited("anewspring"), job.error


@pytest.mark.parametrize("expire_now", [False, True], ids=["change dates", "expire now"])
@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_changing_or_expiring_a_subscription(fault, expire_now, aws, settings, coordinator_client):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    subscription = Subscription.objects.get(learner=learner, course__external_id=WOUND)
    dates = ("start_date", "expire_date", "expired", "finished")
    before = Subscription.objects.values(*dates).get(pk=subscription.pk)
    since = len(aws.app.requests)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/updateSubscription")

    data = {"expire_now": "1"} if expire_now else {"start_date": "2026-02-01", "expire_date": "2027-01-31"}
    response = coordinator_client.post(reverse("subscription_change", args=[subscription.pk]), data, follow=True)

    message = _shown(response)
    _never_repeated(aws, since, "/api/updateSubscription")
    subscription.refresh_from_db()
    if message in ("Subscription changed.", "Subscription expired."):
        assert subscription.expired if expire_now else subscription.expire_date == date(2027, 1, 31)
    else:
        assert Subscription.objects.values(*dates).get(pk=subscription.pk) == before, message
        assert _failure_audited("anewspring")


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_scoring_an_external_activity(fault, aws, settings, coordinator_client):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    subscription = Subscription.objects.get(learner=learner, course__external_id=WOUND)
    activity = Activity.objects.get(external_id=WOUND_EXTERNAL_ACTIVITY_ID)
    before = list(ActivityResult.objects.filter(subscription=subscription).order_by("pk").values())
    since = len(aws.app.requests)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/scoreExternalActivity")

    response = coordinator_client.post(reverse("subscription_score", args=[subscription.pk]),
                                       {"activity": activity.pk, "score": "72.5"}, follow=True)

    message = _shown(response)
    _never_repeated(aws, since, "/api/scoreExternalActivity")
    after = list(ActivityResult.objects.filter(subscription=subscription).order_by("pk").values())
    if message.startswith("Score 72.5% registered"):
        assert AuditEvent.objects.filter(action="activity.score", outcome=AuditEvent.OUTCOME_SUCCESS).exists()
    else:  # the form comes back with the score typed
        assert response.context["form"].data["score"] == "72.5"
        assert after == before and _failure_audited("anewspring"), message


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_syncing_a_group(fault, aws, settings, coordinator_client, django_capture_on_commit_callbacks):
    group = learner_group_save(group=None, data={"external_id": "GRP-FAULT", "name": "Faults"},
                               members=[LearnerFactory(external_id="LEARNER-0003")])
    since = len(aws.app.requests)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/addGroupUsers")

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("group_sync", args=[group.pk]))

    job = _job_shown(coordinator_client, response)
    _never_repeated(aws, since, "/api/addGroupUsers")
    group.refresh_from_db()
    if job.status == Job.SUCCEEDED:
        assert group.synced_at is not None
    else:
        assert group.synced_at is None and _failure_audited("anewspring"), job.error


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_syncing_the_catalogue(fault, start_sandbox, settings, coordinator_client,
                               django_capture_on_commit_callbacks):
    sandbox = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_API_KEY = DEFAULT_API_KEY
    settings.ANEWSPRING_URL = _inject(sandbox, fault, "anewspring", "/api/getTemplates")

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("catalogue_sync"))

    job = _job_shown(coordinator_client, response)
    if job.status == Job.SUCCEEDED:
        assert Course.objects.filter(external_id=WOUND).exists(), job.result
    else:
        assert not Course.objects.exists() and _failure_audited("anewspring"), job.error


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_importing_with_a_push_to_anewspring(fault, aws, settings, coordinator_client,
                                             django_capture_on_commit_callbacks):
    since = len(aws.app.requests)
    learner_import = import_upload(coordinator_client)
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/addOrUpdateUser")

    learner_import = import_confirm(coordinator_client, learner_import, django_capture_on_commit_callbacks)

    assert learner_import.job.status == Job.SUCCEEDED  # the portal's own import never waits on aNewSpring
    assert Learner.objects.count() == 4  # every row of the file but the one with an impossible date
    page = coordinator_client.get(reverse("import_detail", args=[learner_import.pk]))
    assert page.status_code == 200
    push = learner_import.push_jobs.get()
    assert push.status == Job.SUCCEEDED and escape(push.result["summary"]) in page.content.decode()
    _never_repeated(aws, since, "/api/addOrUpdateUser")
    counts = push.result["counts"]
    assert sum(counts.values()) == 4, counts
    if counts["failed"]:
        assert _failure_audited("anewspring")
        assert all(o["message"].strip() and "<" not in o["message"] for o in push.result["outcomes"])


@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_processing_a_webhook(fault, aws, settings, client, django_capture_on_commit_callbacks):
    settings.ANEWSPRING_WEBHOOK_SECRET = "webhook-secret"
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    subscriptions_refresh(learner=learner)
    aws.app.complete_activity(DEMO_LEARNER_ID, WOUND, WOUND_EXTERNAL_ACTIVITY_ID, score=90)
    subscription = Subscription.objects.get(learner=learner, course__external_id=WOUND)
    before = list(ActivityResult.objects.filter(subscription=subscription).order_by("pk").values())
    settings.ANEWSPRING_URL = _inject(aws, fault, "anewspring", "/api/getResults")
    body = json.dumps({"event": "activityCompleted", "created": "2026-03-01T10:00:00Z", "userId": DEMO_LEARNER_ID,
                       "courseId": WOUND}).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("anewspring_webhook"), body, content_type="application/json",
                               HTTP_X_WEBHOOK_SIGNATURE=sign_webhook(body, "webhook-secret"))

    assert response.status_code == 200  # acknowledged: aNewSpring's trouble is the portal's to retry
    delivery = WebhookDelivery.objects.get()
    scored = ActivityResult.objects.filter(subscription=subscription, activity__external_id=WOUND_EXTERNAL_ACTIVITY_ID)
    if delivery.status == WebhookDelivery.PROCESSED:
        assert scored.get().score == 90
        return
    assert delivery.note.strip() and "\n" not in delivery.note and "<" not in delivery.note, delivery.note
    assert list(ActivityResult.objects.filter(subscription=subscription).order_by("pk").values()) == before
    assert _failure_audited("anewspring")
    if fault.name not in PASSING:  # retrying would not help: kept, with the reason, and left alone
        assert delivery.status == WebhookDelivery.IGNORED, delivery.status
        return
    # A fault that may pass marks the delivery failed, and the sweep takes it up again once aNewSpring answers.
    assert delivery.status == WebhookDelivery.FAILED, (delivery.status, delivery.note)
    settings.ANEWSPRING_URL = aws.url
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempted_at=timezone.now() - SWEEP_AFTER - timedelta(seconds=1))
    assert webhook_sweep()["processed"] == 1
    assert scored.get().score == 90


# --- Learning Assistant ----------------------------------------------------------------------------------
@pytest.fixture
def la(start_sandbox, settings):
    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data())
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    reference_sync()
    return sandbox


@pytest.mark.parametrize("fault", LA_FAULTS)
def test_enrolling_a_learner(fault, la, settings, coordinator_client):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", email="amira@example.org")
    settings.LEARNING_ASSISTANT_URL = _inject(la, fault, "learning_assistant", ENROLMENT_PATH)

    response = coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)

    if Enrolment.objects.filter(learner=learner).exists():
        assert response.status_code == 200
    else:  # the form comes back with everything typed and the reason
        assert response.status_code == 200 and response.context["form"].data["surname"] == "Khan"
        assert response.context["form"].non_field_errors() or response.context["messages"]
        assert _failure_audited("learning_assistant")


@pytest.mark.parametrize("fault", LA_FAULTS)
def test_pulling_progress(fault, la, settings, coordinator_client):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", email="amira@example.org")
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)
    enrolment = Enrolment.objects.get(learner=learner)
    settings.LEARNING_ASSISTANT_URL = _inject(la, fault, "learning_assistant", USERS_PATH)

    response = coordinator_client.post(reverse("enrolment_progress", args=[enrolment.pk]), follow=True)

    message = _shown(response)
    pulls = ProgressSnapshot.objects.filter(enrolment=enrolment).count()
    if message.startswith("Progress pulled"):
        assert pulls == 1
    else:
        assert pulls == 0 and _failure_audited("learning_assistant"), message


@pytest.mark.parametrize("fault", LA_FAULTS)
def test_syncing_reference_data(fault, start_sandbox, settings, coordinator_client,
                                django_capture_on_commit_callbacks):
    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data())
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    reference_sync()  # the lists as they were; the failed sync must leave them so
    # A list that fails keeps its entries as they were; the others may be synced again (same entries).
    entries = ("list_name", "key", "name", "active")
    before = list(ReferenceItem.objects.order_by("pk").values(*entries))
    frameworks_before = list(ReferenceItem.objects.filter(list_name=ReferenceItem.FRAMEWORKS).order_by("pk").values(
        *entries, "synced_at"))
    sandbox.app.frameworks.clear()  # what a good sync would change
    settings.LEARNING_ASSISTANT_URL = _inject(sandbox, fault, "learning_assistant", COURSES_PATH)

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("enrolment_reference_sync"))

    job = _job_shown(coordinator_client, response)
    frameworks = ReferenceItem.objects.filter(list_name=ReferenceItem.FRAMEWORKS, active=True)
    if job.status == Job.SUCCEEDED:
        assert not frameworks.exists()
    else:
        after = list(ReferenceItem.objects.order_by("pk").values(*entries))
        frameworks_after = list(ReferenceItem.objects.filter(list_name=ReferenceItem.FRAMEWORKS).order_by(
            "pk").values(*entries, "synced_at"))
        assert (after, frameworks_after) == (before, frameworks_before), job.error
        assert _failure_audited("learning_assistant"), job.error


@pytest.mark.parametrize("fault", LA_FAULTS)
def test_bulk_enrolling(fault, la, settings, coordinator_client, django_capture_on_commit_callbacks):
    learners = [LearnerFactory(first_name="Ann"), LearnerFactory(first_name="Bo")]
    data = {k: v for k, v in enrol_data().items() if k not in ("forename", "surname", "email", "uln", "ni_number",
                                                               "gender", "birth_date", "job_title")}
    since = len(la.app.requests)
    settings.LEARNING_ASSISTANT_URL = _inject(la, fault, "learning_assistant", ENROLMENT_PATH)

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("enrolment_bulk"),
                                           {**data, "learners": [learner.pk for learner in learners]})

    job = _job_shown(coordinator_client, response)
    assert len(la.app.received("GroupEnrolment")) <= len(learners)  # never sent twice for one learner
    if job.status == Job.FAILED:
        assert not Enrolment.objects.exists() and _failure_audited("learning_assistant"), job.error
        return
    outcomes = {o["learner_id"]: o for o in job.result["outcomes"]}
    for learner in learners:
        outcome = outcomes[learner.pk]
        assert outcome["message"].strip() and "<" not in outcome["message"], outcome
        assert Enrolment.objects.filter(learner=learner).exists() == (outcome["status"] != "failed"), outcome
    if any(o["status"] == "failed" for o in outcomes.values()):
        assert _failure_audited("learning_assistant")
    assert _sent(la, since, ENROLMENT_PATH)


@pytest.mark.parametrize("fault", LA_FAULTS)
def test_editing_an_enrolment(fault, la, settings, coordinator_client):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", email="amira@example.org")
    coordinator_client.post(reverse("enrolment_create", args=[learner.pk]), enrol_data(), follow=True)
    enrolment = Enrolment.objects.get(learner=learner)
    before = Enrolment.objects.values().get(pk=enrolment.pk)
    settings.LEARNING_ASSISTANT_URL = _inject(la, fault, "learning_assistant", UPDATE_PATH)

    response = coordinator_client.post(reverse("enrolment_update", args=[enrolment.pk]),
                                       {**enrolment.values, "planned_end_date": "2027-11-30", "confirm": "1"},
                                       follow=True)

    message = _shown(response)
    assert len(la.app.updates) <= 1  # UpdateEnrolment is never repeated by the portal
    enrolment.refresh_from_db()
    if message == "Enrolment changed in Learning Assistant.":
        assert enrolment.planned_end_date == date(2027, 11, 30)
    else:  # the form comes back with the change typed, and the reason
        assert response.context["form"].data["planned_end_date"] == "2027-11-30"
        assert Enrolment.objects.values().get(pk=enrolment.pk) == before and _failure_audited("learning_assistant")


# --- PE-online --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", SERVICE_FAULTS)
def test_submitting_due_awards(fault, start_sandbox, settings, coordinator_client,
                               django_capture_on_commit_callbacks):
    sandbox = start_sandbox(PEOnlineSandbox.with_demo_data())
    settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = DEFAULT_USER_ID, DEFAULT_USER_KEY
    award = AwardFactory(pe_type=1, pe_course_id="9471", person_number="39054148101", org_id=19)
    settings.PE_ONLINE_URL = _inject(sandbox, fault, "pe_online", "ProcessXML") + BASE_PATH

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("awards_submit"), follow=True)
    assert response.status_code == 200

    award.refresh_from_db()
    page = coordinator_client.get(reverse("award_detail", args=[award.pk]))
    assert page.status_code == 200
    assert award.status in (Award.ACCEPTED, Award.FAILED, Award.UNKNOWN), award.status
    if award.status != Award.ACCEPTED:
        assert award.message and escape(award.message) in page.content.decode()  # the reason, on the award's page
        assert _failure_audited("pe_online")
