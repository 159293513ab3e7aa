"""The subscription pages, driven through the Django test client against the sandbox."""

from datetime import date

import pytest
from django.urls import reverse

from portal.models import Activity, AuditEvent, Course, Job
from sandbox.anewspring import DEFAULT_API_KEY, DEMO_COURSE_ID, DEMO_LEARNER_ID, WOUND_COURSE_IDS, \
    WOUND_EXTERNAL_ACTIVITY_ID
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import subscriptions_refresh
from subscriptions.models import LearnerGroup, Subscription
from tests.factories import LearnerFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
WOUND = WOUND_COURSE_IDS[0]


@pytest.fixture
def aws(anewspring, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    catalogue_sync()
    return anewspring


@pytest.fixture
def anna(aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID, first_name="Anna", last_name="Jansen")
    subscriptions_refresh(learner=learner)
    return learner


def page(response) -> str:
    return response.content.decode()


def test_pages_say_anewspring_is_not_configured(coordinator_client):
    sub = SubscriptionFactory()
    for url in (reverse("catalogue"), reverse("learner_subscriptions", args=[sub.learner.pk]),
                reverse("subscribe"), sub.get_absolute_url(), reverse("group_list")):
        response = coordinator_client.get(url)
        assert response.status_code == 200 and "aNewSpring is not configured" in page(response), url
    response = coordinator_client.post(reverse("catalogue_sync"), follow=True)
    assert "aNewSpring is not configured." in page(response)
    response = coordinator_client.post(reverse("subscription_refresh", args=[sub.pk]), follow=True)
    assert "aNewSpring is not configured." in page(response)
    assert AuditEvent.objects.filter(action="subscription.results_refresh", outcome="failure").exists()


def test_catalogue_sync_button_runs_a_job(coordinator_client, anewspring, settings,
                                          django_capture_on_commit_callbacks):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("catalogue_sync"))
    job = Job.objects.get(kind="catalogue_sync")
    assert response.url == reverse("job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.result["next_url"] == reverse("catalogue")
    catalogue = page(coordinator_client.get(reverse("catalogue")))
    assert "Wound care update January 2026" in catalogue and "no call that lists a template" in catalogue


def test_learner_subscriptions_page_refreshes_and_shows_status(coordinator_client, aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    response = coordinator_client.post(reverse("learner_subscriptions_refresh", args=[learner.pk]), follow=True)
    html = page(response)
    assert "2 subscriptions refreshed from aNewSpring." in html
    assert f'data-course="{DEMO_COURSE_ID}"' in html and "EXAMPLEID" in html and "2/2" in html
    assert "38%" in html  # objectives progress 0.375
    learner_page = page(coordinator_client.get(learner.get_absolute_url()))
    assert reverse("learner_subscriptions", args=[learner.pk]) in learner_page


def test_a_refresh_failure_shows_the_message(coordinator_client, aws):
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID)
    aws.app.fail_next(status=500, body="Database down", path_contains="getResults")
    response = coordinator_client.post(reverse("learner_subscriptions_refresh", args=[learner.pk]), follow=True)
    assert "aNewSpring has a problem (HTTP 500)" in page(response) and "Database down" in page(response)
    assert not Subscription.objects.exists()


def test_subscribe_one_learner_from_the_learner_page(coordinator_client, aws):
    learner = LearnerFactory(external_id="NEW-9", first_name="Nina", last_name="Nieuw")
    course = Course.objects.get(external_id="WOUNDCARE-2026-02")
    response = coordinator_client.post(reverse("subscribe"), {
        "learners": [learner.pk], "course": course.pk, "start_date": "2026-03-09", "expire_date": "2027-03-09"},
        follow=True)
    assert "Nina Nieuw is subscribed to Wound care update March 2026." in page(response)
    sub = Subscription.objects.get(learner=learner)
    assert sub.expire_date == date(2027, 3, 9)
    assert AuditEvent.objects.get(action="subscription.create").actor_user is not None


def test_subscribe_checks_dates_and_a_selection(coordinator_client, aws):
    course = Course.objects.get(external_id=WOUND)
    response = coordinator_client.post(reverse("subscribe"), {"course": course.pk})
    assert response.status_code == 400 and "Select one or more learners, or a group." in page(response)
    learner = LearnerFactory()
    response = coordinator_client.post(reverse("subscribe"), {
        "learners": [learner.pk], "course": course.pk, "start_date": "2026-05-01", "expire_date": "2026-04-01"})
    assert "The expiry date must not be before the start date." in page(response)
    assert not [r for r in aws.app.requests if r.method == "POST"]


def test_subscribe_many_shows_progress_and_outcomes(coordinator_client, aws, django_capture_on_commit_callbacks):
    learners = [LearnerFactory(external_id=DEMO_LEARNER_ID), LearnerFactory(external_id="NEW-7")]
    course = Course.objects.get(external_id=WOUND)
    listing = page(coordinator_client.get(reverse("subscribe") + f"?course={course.pk}"))
    assert 'data-select-all="learners"' in listing and f'value="{learners[1].pk}"' in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("subscribe"), {
            "learners": [lr.pk for lr in learners], "course": course.pk})
    job = Job.objects.get(kind="subscriptions_bulk")
    assert response.url == reverse("job_detail", args=[job.pk])
    html = page(coordinator_client.get(response.url))
    assert 'data-progress="100"' in html and "1 subscribed, 1 already subscribed" in html
    assert 'data-status="already_subscribed"' in html and 'data-status="subscribed"' in html
    fragment = page(coordinator_client.get(response.url, HTTP_HX_REQUEST="true"))
    assert fragment.lstrip().startswith('<div id="job-progress"') and 'data-status="subscribed"' in fragment


def test_results_page_shows_grade_objectives_and_attempts(coordinator_client, anna):
    sub = Subscription.objects.get(course__external_id=DEMO_COURSE_ID)
    html = page(coordinator_client.get(sub.get_absolute_url()))
    assert "67%" in html and "Example objective" in html
    assert "Hand-in assignment" in html and "Assessment" in html
    assert "Criterion 1" in html and "Exam term 3" in html and "Attempt 2" in html
    assert "threshold" in html


def test_change_expiry_and_expire_now(coordinator_client, aws, anna):
    sub = Subscription.objects.get(course__external_id=WOUND)
    url = reverse("subscription_change", args=[sub.pk])
    assert 'type="date"' in page(coordinator_client.get(url))
    response = coordinator_client.post(url, {"expire_date": "2027-01-31"}, follow=True)
    assert "Subscription changed." in page(response) and "2027-01-31" in page(response)
    response = coordinator_client.post(url, {"expire_now": "1"}, follow=True)
    assert "Subscription expired." in page(response)
    sub.refresh_from_db()
    assert sub.expired


def test_a_failed_change_shows_the_message_and_keeps_the_dates(coordinator_client, aws, anna):
    sub = Subscription.objects.get(course__external_id=WOUND)
    aws.app.fail_next(status=503, body="Maintenance", path_contains="updateSubscription")
    response = coordinator_client.post(reverse("subscription_change", args=[sub.pk]),
                                       {"expire_date": "2027-01-31"}, follow=True)
    assert "try again later" in page(response) and "Maintenance" in page(response)
    sub.refresh_from_db()
    assert sub.expire_date is None


def test_unsubscribe_asks_first(coordinator_client, aws, anna):
    sub = Subscription.objects.get(course__external_id=WOUND)
    url = reverse("subscription_unsubscribe", args=[sub.pk])
    assert "Yes, unsubscribe" in page(coordinator_client.get(url))
    assert not aws.app.subscription(DEMO_LEARNER_ID, WOUND).unsubscribed
    response = coordinator_client.post(url, follow=True)
    assert "is unsubscribed from" in page(response)
    assert aws.app.subscription(DEMO_LEARNER_ID, WOUND).unsubscribed


def test_score_an_external_activity(coordinator_client, aws, anna):
    sub = Subscription.objects.get(course__external_id=WOUND)
    url = reverse("subscription_score", args=[sub.pk])
    form = page(coordinator_client.get(url))
    assert "Practical skills day" in form and "Final test" not in form
    activity = Activity.objects.get(external_id=WOUND_EXTERNAL_ACTIVITY_ID)
    response = coordinator_client.post(url, {"activity": activity.pk, "score": "72.5"}, follow=True)
    html = page(response)
    assert "Score 72.5% registered" in html and "72.5%" in html
    aws.app.fail_next(status=500, body="Scoring broken", path_contains="scoreExternalActivity")
    response = coordinator_client.post(url, {"activity": activity.pk, "score": "10"})
    assert "Scoring broken" in page(response)
    assert sub.activity_results.get(activity=activity).score == 72.5


def test_groups_are_created_and_synced(coordinator_client, aws, django_capture_on_commit_callbacks):
    learner = LearnerFactory(external_id="LEARNER-0003")
    response = coordinator_client.post(reverse("group_create"), {
        "external_id": "GRP-X", "name": "Group X", "add": [learner.pk]}, follow=True)
    assert "Group Group X saved." in page(response)
    group = LearnerGroup.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # a job: a call per member is no web request's work
        response = coordinator_client.post(reverse("group_sync", args=[group.pk]))
    job = Job.objects.get(kind="learner_group_sync")
    assert response.url == job.get_absolute_url()
    assert "Group Group X synced to aNewSpring." in page(coordinator_client.get(response.url))
    assert aws.app.groups["GRP-X"].members == [aws.app.users["LEARNER-0003"].uid]
    assert "GRP-X" in page(coordinator_client.get(reverse("group_list")))
    assert AuditEvent.objects.filter(action__in=["group.create", "group.sync"]).count() == 2
