"""Licences: nobody is subscribed through a group they left, a race or an odd answer never loses
track of a subscription, and the coordinator sees what a group subscribe will cost."""

from datetime import date

import pytest
from django.urls import reverse

from portal.models import AuditEvent, Course, Job
from sandbox.anewspring import DEFAULT_API_KEY, WOUND_COURSE_IDS
from subscriptions.models import LearnerGroup, Subscription
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.groups import learner_group_save, learner_group_sync
from subscriptions.services.outcomes import ALREADY, SUBSCRIBED
from subscriptions.services.subscribe import subscription_create, subscriptions_bulk_start
from tests.factories import LearnerFactory
from tests.subscriptions.factories import LearnerGroupFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
WOUND, LATER = WOUND_COURSE_IDS


@pytest.fixture
def aws(anewspring, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    catalogue_sync()
    return anewspring


def course(external_id):
    return Course.objects.get(external_id=external_id)


def calls(app, name):
    return [r for r in app.app.requests if r.path.startswith(f"/api/{name}/")]


def test_members_who_left_the_group_are_taken_out_before_the_group_is_subscribed(
        aws, django_capture_on_commit_callbacks):
    # The sandbox's GRP-NURSES holds LEARNER-0002 and LEARNER-0003; in the portal, 0003 has left.
    jan = LearnerFactory(external_id="LEARNER-0002")
    group = learner_group_save(group=None, data={"external_id": "GRP-NURSES", "name": "Nurses"}, members=[jan])
    with django_capture_on_commit_callbacks(execute=True):
        job = subscriptions_bulk_start(group=group, course=course(LATER))
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED, job.error
    [delete] = calls(aws, "deleteGroupUsers")
    assert delete.form == {"user": ["LEARNER-0003"], "ignoreMissing": ["true"]}
    assert aws.app.requests.index(delete) < aws.app.requests.index(calls(aws, "subscribeGroups")[0])
    assert aws.app.subscription("LEARNER-0003", LATER) is None  # no licence for someone who left
    assert aws.app.subscription("LEARNER-0002", LATER) is not None
    sync = AuditEvent.objects.get(action="group.sync")
    assert sync.changes == {"removed": ["LEARNER-0003"]} and "1 removed" in sync.summary


def test_a_new_group_is_created_without_reading_its_members(aws):
    group = learner_group_save(group=None, data={"external_id": "GRP-FRESH", "name": "Fresh"},
                               members=[LearnerFactory(external_id="LEARNER-0003")])
    learner_group_sync(group=group)
    assert calls(aws, "getGroupUsers") == [] and calls(aws, "deleteGroupUsers") == []
    assert aws.app.groups["GRP-FRESH"].members == [aws.app.users["LEARNER-0003"].uid]


def test_the_confirmation_shows_the_licences_a_group_subscribe_will_use(coordinator_client, aws,
                                                                         django_assert_max_num_queries):
    members = [LearnerFactory() for _ in range(3)]
    group = LearnerGroupFactory(external_id="GRP-C")
    group.members.set(members)
    SubscriptionFactory(learner=members[0], course=course(LATER))  # already subscribed
    SubscriptionFactory(learner=members[1], course=course(LATER), finished=True)  # ended: needs a new licence
    form = {"course": course(LATER).pk, "group": group.pk}
    response = coordinator_client.post(reverse("subscribe"), form)
    page = response.content.decode()
    assert response.status_code == 200 and not Job.objects.exists()  # nothing started yet
    assert "Licences this will use" in page and "<strong>2</strong>" in page and "Yes, use 2 licences" in page

    # The cost is counted, not listed: the same queries for a group of 3 or of 3,000.
    group.members.add(*[LearnerFactory() for _ in range(30)])
    with django_assert_max_num_queries(12):
        assert "<strong>32</strong>" in coordinator_client.post(reverse("subscribe"), form).content.decode()

    response = coordinator_client.post(reverse("subscribe"), {**form, "confirmed": "True"})
    job = Job.objects.get(kind="subscriptions_bulk")
    assert response.url == reverse("job_detail", args=[job.pk]) and job.params["group_id"] == group.pk


def test_a_409_after_is_subscribed_said_no_is_already_subscribed(aws):
    learner = LearnerFactory(external_id="LEARNER-0003")
    # Another coordinator subscribes the learner between our isSubscribed and subscribe.
    aws.app.fail_next(status=409, body="User LEARNER-0003 is already subscribed", path_contains="/api/subscribe/")
    outcome = subscription_create(learner=learner, course=course(LATER))
    assert outcome.status == ALREADY
    assert Subscription.objects.filter(learner=learner, course=course(LATER)).exists()
    event = AuditEvent.objects.get(action="subscription.create")
    assert event.outcome == AuditEvent.OUTCOME_SUCCESS and "no licence used" in event.summary


def test_a_subscribe_answered_with_plain_text_is_recorded(aws):
    learner = LearnerFactory(external_id="LEARNER-0003")
    aws.app.fail_next(status=200, body="200 OK", content_type="text/plain", path_contains="/api/subscribe/",
                      after_handling=True)
    outcome = subscription_create(learner=learner, course=course(LATER), expire_date=date(2027, 1, 1))
    assert outcome.status == SUBSCRIBED
    assert Subscription.objects.get(learner=learner, course=course(LATER)).expire_date == date(2027, 1, 1)


def test_a_subscribe_whose_answer_was_lost_is_settled_by_is_subscribed(aws):
    learner = LearnerFactory(external_id="LEARNER-0003")
    # aNewSpring did the work, but the answer was a gateway error.
    aws.app.fail_next(status=502, body="Bad gateway", path_contains="/api/subscribe/", after_handling=True)
    outcome = subscription_create(learner=learner, course=course(LATER))
    assert outcome.status == SUBSCRIBED and len(calls(aws, "subscribe")) == 1  # never sent twice
    assert Subscription.objects.filter(learner=learner, course=course(LATER)).exists()


def test_a_learner_without_external_id_is_sent_with_one_made_by_the_portal(aws):
    learner = LearnerFactory(external_id=None, login="k.visser", first_name="Kim", last_name="Visser")
    subscription_create(learner=learner, course=course(LATER))
    learner.refresh_from_db()
    assert learner.external_id.startswith("PORTAL-") and learner.external_id_generated
    assert "k.visser" not in aws.app.users
    user = aws.app.users[learner.external_id]
    assert (user.fields["login"], user.role, user.uid) == ("k.visser", "student", learner.uid)
    assert [r.form.get("role") for r in calls(aws, "addUser")] == [["student"]]
    assert aws.app.subscription(learner.external_id, LATER) is not None
    assert AuditEvent.objects.filter(action="learner.update", learner=learner,
                                     summary__contains="made by the portal").exists()


def test_group_members_are_named_by_external_id_never_by_login(aws):
    learner = LearnerFactory(external_id=None, login="k.visser")
    group = LearnerGroupFactory(external_id="GRP-K")
    group.members.set([learner])
    learner_group_sync(group=LearnerGroup.objects.get(pk=group.pk))
    learner.refresh_from_db()
    assert calls(aws, "addGroupUsers")[0].form["user"] == [learner.external_id]
