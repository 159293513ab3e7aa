"""What a browser keeps, how long a session lives, and what a user without a role can learn."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from portal.middleware import SESSION_REFRESHED_KEY
from portal.security import client_ip
from tests.factories import AuditEventFactory, LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["dashboard", "learner_list", "audit_list", "audit_export", "subscribe"])
def test_pages_of_a_logged_in_user_are_never_stored(coordinator_client, name):
    response = coordinator_client.get(reverse(name))
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}


def test_a_session_ends_with_the_browser_and_after_eight_idle_hours(client, coordinator):
    response = client.post(reverse("login"), {"username": coordinator.username,
                                              "password": "correct horse battery staple"})
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie
    session = Session.objects.get()
    assert abs(session.expire_date - (timezone.now() + timedelta(hours=8))) < timedelta(minutes=1)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("dashboard")).url.startswith(reverse("login"))


def test_requests_move_the_end_of_the_session_on_once_a_minute(coordinator_client, settings):
    coordinator_client.get(reverse("dashboard"))
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    coordinator_client.get(reverse("dashboard"))
    assert Session.objects.get().expire_date < timezone.now() + timedelta(minutes=6)  # no write within the minute

    settings.SESSION_REFRESH_SECONDS = 0  # as if the minute had passed
    coordinator_client.get(reverse("dashboard"))
    assert Session.objects.get().expire_date > timezone.now() + timedelta(hours=7)


def test_a_user_without_a_role_sees_only_ask_for_access(client, plain_user, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = "https://school.anewspring.example/api", "key"
    LearnerFactory.create_batch(3)
    AuditEventFactory(action="remote_call", system="anewspring")
    client.force_login(plain_user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Ask an administrator for access." in page
    assert "anewspring.example" not in page and "Learners" not in page and "Last call" not in page


def test_coordinators_still_see_the_dashboard(coordinator_client):
    page = coordinator_client.get(reverse("dashboard")).content.decode()
    assert "Ask an administrator" not in page and "Audit events today" in page


@pytest.mark.parametrize("name", ["learner_detail", "learner_edit", "audit_detail", "learner_subscriptions"])
def test_object_pages_answer_404_alike_for_existing_and_missing_ids(client, plain_user, name):
    client.force_login(plain_user)
    existing = LearnerFactory().pk if name != "audit_detail" else AuditEventFactory().pk
    answers = {client.get(reverse(name, args=[pk])).status_code for pk in (existing, 999_999)}
    assert answers == {404}


@pytest.mark.parametrize("behind_proxy, expected", [(True, "203.0.113.9"), (False, "10.0.0.2")])
def test_login_throttling_trusts_the_forwarded_address_only_behind_the_proxy(settings, behind_proxy, expected):
    settings.BEHIND_TLS_PROXY = behind_proxy
    request = RequestFactory().post(reverse("login"), REMOTE_ADDR="10.0.0.2",
                                    HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert client_ip(request) == expected


def test_failed_logins_behind_the_proxy_lock_only_the_forwarded_address(client, coordinator, settings):
    settings.BEHIND_TLS_PROXY = True
    wrong = {"username": coordinator.username, "password": "wrong"}
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), wrong, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    right = {"username": coordinator.username, "password": "correct horse battery staple"}
    locked = client.post(reverse("login"), right, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 429
    other = client.post(reverse("login"), right, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 302


def test_with_a_one_minute_timeout_an_active_user_stays_signed_in(coordinator_client, settings):
    settings.SESSION_COOKIE_AGE = 60  # SESSION_IDLE_MINUTES=1
    coordinator_client.get(reverse("dashboard"))
    session = coordinator_client.session
    session[SESSION_REFRESHED_KEY] -= 10  # the last request 10 s ago, 50 s left
    session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=50))

    coordinator_client.get(reverse("dashboard"))

    assert Session.objects.get().expire_date > timezone.now() + timedelta(seconds=55)  # a full minute again
