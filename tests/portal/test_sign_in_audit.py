"""Sign-ins, refused sign-ins, sign-outs and password changes are audit events; no password is in them."""

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from tests.factories import CoordinatorFactory

pytestmark = pytest.mark.django_db

PASSWORD, NEW_PASSWORD = "Old-Secret-4471!", "New-Secret-9923!"


def _events(action: str):
    return list(AuditEvent.objects.filter(action=action))


def _no_password_anywhere():
    for event in AuditEvent.objects.all():
        text = repr(list(event.__dict__.values()))
        assert PASSWORD not in text and NEW_PASSWORD not in text


def test_a_sign_in_and_a_sign_out_are_recorded_as_the_user(client, coordinator_group):
    user = CoordinatorFactory(username="marit", password=PASSWORD)

    client.post(reverse("login"), {"username": "marit", "password": PASSWORD})
    client.post(reverse("logout"))

    signed_in, signed_out = _events("auth.login"), _events("auth.logout")
    assert [(e.actor, e.object_id, e.outcome) for e in signed_in] == [("marit", str(user.pk), AuditEvent.OUTCOME_SUCCESS)]
    assert [e.actor for e in signed_out] == ["marit"]
    _no_password_anywhere()


def test_a_refused_sign_in_names_the_user_name_typed_not_the_password(client, coordinator_group):
    CoordinatorFactory(username="marit", password=PASSWORD)

    page = client.post(reverse("login"), {"username": "marit", "password": NEW_PASSWORD})

    assert page.status_code == 200  # the form again, with its error
    [refused] = _events("auth.login_failed")
    assert refused.outcome == AuditEvent.OUTCOME_FAILURE and refused.actor == "anonymous"
    assert "marit" in refused.summary
    assert not _events("auth.login")
    _no_password_anywhere()


def test_a_password_change_is_recorded_without_either_password(client, coordinator_group):
    user = CoordinatorFactory(username="marit", password=PASSWORD)
    client.force_login(user)

    client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})

    [changed] = _events("auth.password_change")
    assert changed.actor == "marit" and changed.object_id == str(user.pk)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    _no_password_anywhere()


@pytest.mark.parametrize("username", ["a" * 10_000, "mar\x1bit\u202e" * 2_000])
def test_a_huge_user_name_is_a_refused_sign_in(client, coordinator_group, username):
    from axes.models import AccessAttempt

    page = client.post(reverse("login"), {"username": username, "password": PASSWORD})

    assert page.status_code == 200
    [refused] = _events("auth.login_failed")
    assert refused.outcome == AuditEvent.OUTCOME_FAILURE
    # What the throttle keeps fits its column (PostgreSQL refused the whole name: a 500).
    [attempt] = AccessAttempt.objects.all()
    assert len(attempt.username) <= AccessAttempt._meta.get_field("username").max_length
    assert "\x1b" not in attempt.username
