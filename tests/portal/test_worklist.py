"""The worklist: each entry counts what needs attention, and its link opens a list showing exactly those rows."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Award
from enrolments.models import Enrolment
from portal.models import AuditEvent, Job, PERegistration
from portal.worklist import worklist
from subscriptions.models import Subscription, WebhookDelivery
from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory
from tests.factories import AuditEventFactory, JobFactory, LearnerFactory, LearnerImportFactory, UserFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def items(user) -> dict[str, dict]:
    cache.clear()
    return {item["key"]: item for item in worklist(user=user)["items"]}


def listed(client, url) -> int:
    """How many rows the list at ``url`` says it shows (its table's length)."""
    response = client.get(url)
    assert response.status_code == 200, url
    if "table" in response.context:
        return len(response.context["table"].rows)
    return response.context["cl"].result_count  # the admin's change list


def test_nothing_to_do_says_so(admin_client_):
    LearnerFactory()
    response = admin_client_.get(reverse("worklist"))
    assert response.context["worklist"]["items"] == []
    assert "Nothing needs your attention." in response.text


@pytest.mark.parametrize("status", [Award.BLOCKED, Award.NO_DATE, Award.REJECTED, Award.FAILED, Award.UNKNOWN,
                                    Award.SUPERSEDED])
def test_awards_per_status(admin_client_, superuser, status):
    AwardFactory.create_batch(2, status=status)
    AwardFactory(status=Award.ACCEPTED)

    item = items(superuser)[f"awards.{status}"]

    assert item["count"] == 2
    assert listed(admin_client_, item["url"]) == 2
    assert "awards.accepted" not in items(superuser)


def test_awards_are_shown_to_whom_may_see_them(coordinator):
    AwardFactory(status=Award.REJECTED)

    assert "awards.rejected" in items(coordinator)
    assert items(UserFactory()) == {}


def test_failed_jobs_of_the_last_week(admin_client_, superuser):
    recent = JobFactory(status=Job.FAILED)
    old = JobFactory(status=Job.FAILED)
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - 8 * DAY)
    JobFactory(status=Job.SUCCEEDED)
    AuditEventFactory(action="job.fail", outcome=AuditEvent.OUTCOME_FAILURE, object_id=str(recent.pk), learner=None)

    item = items(superuser)["jobs.failed"]

    assert item["count"] == 1
    assert item["severity"] == "danger"
    assert listed(admin_client_, item["url"]) == 1  # the audit log's job failures: no list of jobs yet


def test_imports_never_confirmed_and_checks_failed(admin_client_, superuser):
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    checked = LearnerImportFactory(preview_job=JobFactory(status=Job.SUCCEEDED))
    LearnerImportFactory(preview_job=JobFactory(status=Job.SUCCEEDED))  # uploaded just now: being looked at
    LearnerImportFactory(preview_job=JobFactory(status=Job.SUCCEEDED), confirmed_at=timezone.now())
    LearnerImportFactory(preview_job=JobFactory(status=Job.FAILED))
    type(checked).objects.filter(pk=checked.pk).update(created_at=two_hours_ago)
    AuditEventFactory(action="learner_import.upload", learner=None)

    found = items(superuser)

    assert found["imports.unconfirmed"]["count"] == 1
    assert found["imports.check_failed"]["count"] == 1
    assert listed(admin_client_, found["imports.unconfirmed"]["url"]) == 1


def test_remote_systems_whose_last_call_failed(admin_client_, superuser, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = "http://127.0.0.1:1/", "key"
    settings.PE_ONLINE_URL, settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = "http://127.0.0.1:1/", "u", "k"
    for system, outcomes in {"anewspring": ["success", "failure"], "pe_online": ["failure", "success"]}.items():
        for outcome in outcomes:
            AuditEventFactory(action="remote_call", system=system, outcome=outcome, learner=None)

    item = items(superuser)["remote.failing"]

    assert item["count"] == 1  # aNewSpring failed last; PE-online failed before its last call
    assert listed(admin_client_, item["url"]) == 2  # the failed calls in the log


def test_learners_whose_big_number_fails_the_check(admin_client_, superuser):
    failing = LearnerFactory()
    PERegistration.objects.create(learner=failing, org_id=19, number="12345678901", kind="big", check_digit_ok=False)
    PERegistration.objects.create(learner=failing, org_id=52, number="12345678902", kind="big", check_digit_ok=False)
    fine = LearnerFactory()
    PERegistration.objects.create(learner=fine, org_id=19, number="39054148101", kind="big", check_digit_ok=True)

    item = items(superuser)["learners.check_digit"]

    assert item["count"] == 1
    assert listed(admin_client_, item["url"]) == 1
    assert listed(admin_client_, reverse("learner_list") + "?check_digit=true") == 1  # the other learner


def test_subscriptions_expiring_and_not_started(admin_client_, superuser):
    today = timezone.localdate()
    SubscriptionFactory(expire_date=today + 14 * DAY)
    SubscriptionFactory(expire_date=today + 15 * DAY)
    SubscriptionFactory(expire_date=today - DAY)
    SubscriptionFactory(subscribe_date=timezone.now() - 31 * DAY)
    SubscriptionFactory(subscribe_date=timezone.now() - 31 * DAY, active=True)
    SubscriptionFactory(subscribe_date=timezone.now() - 5 * DAY)

    found = items(superuser)

    assert found["subscriptions.expiring"]["count"] == 1
    assert listed(admin_client_, found["subscriptions.expiring"]["url"]) == 1
    assert found["subscriptions.not_started"]["count"] == 1
    assert listed(admin_client_, found["subscriptions.not_started"]["url"]) == 1
    assert Subscription.objects.count() == 6


def test_failed_webhook_deliveries(admin_client_, superuser):
    for n, status in enumerate([WebhookDelivery.FAILED, WebhookDelivery.PROCESSED]):
        WebhookDelivery.objects.create(identity=f"id-{n}", event="results", created="now", payload={},
                                       status=status)

    item = items(superuser)["webhooks.failed"]

    assert item["count"] == 1
    assert listed(admin_client_, item["url"]) == 1


def test_enrolments_not_pulled_for_a_week_and_overdue(admin_client_, superuser):
    now, today = timezone.now(), timezone.localdate()
    stale = EnrolmentFactory(progress_pulled_at=now - 8 * DAY)
    never = EnrolmentFactory()
    EnrolmentFactory(progress_pulled_at=now - DAY)
    EnrolmentFactory()  # never pulled, enrolled today
    Enrolment.objects.filter(pk=never.pk).update(created_at=now - 8 * DAY)
    start = today - 400 * DAY
    EnrolmentFactory(start_date=start, planned_end_date=today - DAY, progress=80, progress_pulled_at=now)
    EnrolmentFactory(start_date=start, planned_end_date=today - DAY, progress=100, progress_pulled_at=now)

    found = items(superuser)

    assert found["enrolments.progress_stale"]["count"] == 2
    assert listed(admin_client_, found["enrolments.progress_stale"]["url"]) == 2
    assert found["enrolments.overdue"]["count"] == 1
    assert listed(admin_client_, found["enrolments.overdue"]["url"]) == 1
    assert listed(admin_client_, reverse("enrolment_list") + "?overdue=false") == 5
    assert listed(admin_client_, found["enrolments.progress_stale"]["url"] + "&q=" + stale.learner.last_name) >= 1


def test_the_counts_are_cached_and_the_page_says_so(admin_client_, superuser):
    AwardFactory(status=Award.REJECTED)
    admin_client_.get(reverse("worklist"))
    AwardFactory(status=Award.REJECTED)

    response = admin_client_.get(reverse("worklist"))

    assert response.context["worklist"]["items"][0]["count"] == 1
    assert "the counts are kept for 60 seconds" in response.text


def test_the_menu_badge_shows_the_total(admin_client_):
    AwardFactory.create_batch(3, status=Award.REJECTED)
    JobFactory(status=Job.FAILED)

    response = admin_client_.get(reverse("worklist_badge"))

    assert ">4<" in response.text
    assert f'data-load-from="{reverse("worklist_badge")}"' in admin_client_.get(reverse("dashboard")).text


def _fill(size: int) -> None:
    today, now = timezone.localdate(), timezone.now()
    for status in (Award.BLOCKED, Award.REJECTED, Award.SUPERSEDED):
        AwardFactory.create_batch(size, status=status)
    JobFactory.create_batch(size, status=Job.FAILED)
    SubscriptionFactory.create_batch(size, expire_date=today + DAY, subscribe_date=now - 40 * DAY)
    EnrolmentFactory.create_batch(size, progress_pulled_at=now - 9 * DAY)
    AuditEventFactory.create_batch(size, action="remote_call", system="anewspring", outcome="failure", learner=None)


@pytest.mark.parametrize("client_name", ["admin_client_", "coordinator_client"])
def test_the_page_makes_the_same_few_queries_at_two_sizes(request, client_name):
    client = request.getfixturevalue(client_name)
    client.get(reverse("dashboard"))  # the session's refresh, once

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("worklist")).status_code == 200
        return len(captured)

    _fill(2)
    small = queries()
    _fill(20)
    large = queries()
    assert large == small <= 10


def test_the_dashboards_recent_activity_leaves_remote_calls_to_the_audit_log(admin_client_):
    AuditEventFactory(action="learner.update", summary="Coordinator changed a learner")
    AuditEventFactory(action="remote_call", system="anewspring", learner=None, summary="GET /api/getTemplates")

    events = admin_client_.get(reverse("dashboard")).context["latest_events"]

    assert [event.action for event in events] == ["learner.update"]


def test_what_went_wrong_comes_first(superuser):
    SubscriptionFactory(expire_date=timezone.localdate())
    AwardFactory(status=Award.BLOCKED)
    JobFactory(status=Job.FAILED)

    assert [item["severity"] for item in worklist(user=superuser)["items"]] == ["danger", "warning", "info"]
