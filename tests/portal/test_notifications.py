"""Notifications: the profile page's choices, the daily worklist digest, mail at once when a job fails, each
in the recipient's language, plain text and HTML, audited (recipient and kind, never the body)."""

import datetime
import socket
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from portal import notifications
from portal.models import AuditEvent, Job, Profile
from portal.tasks import notification_digests_send
from tests.factories import CoordinatorFactory, JobFactory, UserFactory
from tests.portal.test_jobs import launch

pytestmark = pytest.mark.django_db


def local(day: int, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 12, day, hour, 5))


@pytest.fixture
def failed_job():
    """Something on every coordinator's worklist."""
    return JobFactory(status=Job.FAILED, title="Catalogue synchronised")


def opt_in(user, **choices) -> Profile:
    return Profile.objects.update_or_create(user=user, defaults={"digest": True, "immediate": True, **choices})[0]


def sent_events():
    return AuditEvent.objects.filter(action="notification.sent").order_by("id")


def test_the_profile_page_saves_the_choices_and_audits_what_changed(coordinator_client, coordinator):
    page = coordinator_client.get("/").content.decode()
    assert 'href="/accounts/profile/"' in page  # the user menu links to it

    response = coordinator_client.post("/accounts/profile/", {"language": "nl", "digest": "on"}, follow=True)

    assert response.status_code == 200 and coordinator.email in response.content.decode()
    profile = Profile.objects.get(user=coordinator)
    assert (profile.language, profile.digest, profile.immediate) == ("nl", True, False)
    event = AuditEvent.objects.get(action="profile.update")
    assert event.actor == coordinator.username and event.changes == {
        "digest": {"before": False, "after": True}, "language": {"before": "en", "after": "nl"}}


def test_the_profile_page_first_offers_the_language_the_user_reads_the_portal_in(coordinator_client, settings):
    coordinator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"

    page = coordinator_client.get("/accounts/profile/").content.decode()

    assert '<option value="nl" selected>' in page and not Profile.objects.exists()  # a GET saves nothing


def test_the_profile_page_says_when_no_mail_can_reach_the_user(client):
    client.force_login(UserFactory(email=""))  # any signed-in user has a profile page, whatever their role

    page = client.get("/accounts/profile/").content.decode()

    assert "Your account has no e-mail address" in page


def test_the_digest_lists_the_worklist_in_text_and_html_and_is_audited_without_its_body(
        coordinator, failed_job, mailoutbox):
    opt_in(coordinator)

    assert notifications.digests_send(now=local(8, 7)) == {"sent": 1}

    [mail] = mailoutbox
    assert mail.to == [coordinator.email]
    assert mail.subject == "Your worklist: 1 thing needs your attention"
    assert "1 background job failed in the last 7 days" in mail.body
    assert "http://localhost:8000/audit/?action=job.fail" in mail.body
    html, mime = mail.alternatives[0]
    assert mime == "text/html" and '<a href="http://localhost:8000/audit/?action=job.fail' in html
    [event] = sent_events()
    assert (event.summary, event.object_type, event.object_id) == (
        f"worklist.digest to {coordinator.email}", "auth.user", str(coordinator.pk))
    assert "background job" not in f"{event.summary}{event.changes}{event.error}"


def test_the_digest_goes_out_at_most_once_a_day(coordinator, failed_job, mailoutbox):
    opt_in(coordinator)

    assert notifications.digests_send(now=local(8, 7)) == {"sent": 1}
    assert notifications.digests_send(now=local(8, 15)) == {}  # the same day: nothing
    assert notifications.digests_send(now=local(9, 7)) == {"sent": 1}  # the next day
    assert len(mailoutbox) == 2 and sent_events().count() == 2


def test_no_digest_before_the_hour_for_an_empty_worklist_or_without_opting_in(
        coordinator, mailoutbox, settings):
    settings.NOTIFY_DIGEST_HOUR = 7
    opt_in(coordinator)
    opt_in(CoordinatorFactory(), digest=False)

    assert notifications.digests_send(now=local(8, 7)) == {"empty": 1}  # nothing needs attention
    JobFactory(status=Job.FAILED)
    cache.clear()  # the worklist's counts, cached for a minute
    assert notifications.digests_send(now=local(8, 6)) == {}  # before NOTIFY_DIGEST_HOUR
    assert notifications.digests_send(now=local(8, 8)) == {"sent": 1}  # the worklist has an entry now
    assert [mail.to for mail in mailoutbox] == [[coordinator.email]]


def test_the_digest_is_in_the_recipients_language(coordinator, failed_job, mailoutbox):
    opt_in(coordinator, language="nl")

    notifications.digests_send(now=local(8, 7))

    [mail] = mailoutbox
    assert mail.subject == "Je werklijst: 1 ding vraagt je aandacht"
    assert "1 achtergrondtaak mislukt in de afgelopen 7 dagen" in mail.body
    assert "1 achtergrondtaak mislukt" in mail.alternatives[0][0]


def test_the_beat_task_and_the_command_send_the_digests(coordinator, failed_job, mailoutbox, settings):
    settings.NOTIFY_DIGEST_HOUR = 0
    opt_in(coordinator)
    opt_in(CoordinatorFactory())

    notification_digests_send.apply()
    Profile.objects.filter(user=coordinator).update(digest_sent_on=None)
    out = StringIO()
    call_command("send_digests", stdout=out)

    assert len(mailoutbox) == 3 and out.getvalue().strip() == "Digests sent: 1; not sent (see the audit log): 0."
    assert [event.actor for event in sent_events()] == ["beat", "beat", "command"]
    assert settings.CELERY_BEAT_SCHEDULE["notification-digests"]["task"] == notification_digests_send.name


@pytest.fixture
def mail_server_refusing(settings):
    with socket.socket() as closed:  # a port nothing listens on: the mail server refuses the connection
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2}}}


def test_a_mail_the_server_refuses_is_audited_as_failed_and_tried_again_next_run(
        coordinator, failed_job, mail_server_refusing):
    opt_in(coordinator)

    assert notifications.digests_send(now=local(8, 7)) == {"failed": 1}

    [event] = sent_events()
    assert event.outcome == AuditEvent.OUTCOME_FAILURE and event.error
    assert Profile.objects.get(user=coordinator).digest_sent_on is None  # the next run tries again


def test_a_failed_job_mails_its_starter_when_they_opted_in(coordinator, django_capture_on_commit_callbacks,
                                                           mailoutbox):
    opt_in(coordinator, digest=False, language="nl")

    job = launch("test_breaks", django_capture_on_commit_callbacks, user=coordinator)

    [mail] = mailoutbox
    assert mail.to == [coordinator.email] and mail.subject == "Een taak die je startte is mislukt: A test_breaks job"
    assert "Row 2 is not CSV: unexpected end of data" in mail.body
    assert f"http://localhost:8000/jobs/{job.pk}/" in mail.alternatives[0][0]
    [event] = sent_events()
    assert event.summary == f"job.failed to {coordinator.email}" and event.correlation_id == job.correlation_id


def test_a_failed_job_mails_nobody_who_did_not_opt_in(coordinator, django_capture_on_commit_callbacks, mailoutbox):
    opt_in(coordinator, immediate=False)

    launch("test_breaks", django_capture_on_commit_callbacks, user=coordinator)  # opted out
    launch("test_breaks", django_capture_on_commit_callbacks)  # started by nobody (beat)

    assert mailoutbox == [] and not sent_events().exists()


def test_a_mail_that_cannot_be_sent_does_not_change_the_jobs_failure(
        coordinator, django_capture_on_commit_callbacks, mail_server_refusing):
    opt_in(coordinator)

    job = launch("test_breaks", django_capture_on_commit_callbacks, user=coordinator)

    assert job.status == Job.FAILED and job.error == "Row 2 is not CSV: unexpected end of data"
    [event] = sent_events()
    assert event.outcome == AuditEvent.OUTCOME_FAILURE and event.summary == f"job.failed to {coordinator.email}"


def test_the_digest_costs_the_same_queries_for_each_recipient(failed_job, coordinator_group, mailoutbox,
                                                              django_assert_max_num_queries):
    """One query counts the worklist for everyone; each recipient then costs about 9 (permissions, the claim,
    the audit event): measured 11 for 1 recipient, 92 for 10."""
    for _ in range(10):
        opt_in(CoordinatorFactory())

    with django_assert_max_num_queries(2 + 10 * 10):
        assert notifications.digests_send(now=local(8, 7)) == {"sent": 10}
