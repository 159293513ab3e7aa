import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_leads_to_the_dashboard_and_logout_back_to_login(client, coordinator):
    response = log_in(client, coordinator.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_change(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "a new and long passphrase", "new_password2": "a new and long passphrase"})
    assert response["Location"] == reverse("password_change_done")
    coordinator.refresh_from_db()
    assert coordinator.check_password("a new and long passphrase")


def test_repeated_failures_lock_the_account_for_a_while(client, coordinator, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, coordinator.username, "wrong").status_code == 200
    assert log_in(client, coordinator.username, "wrong").status_code == 429
    locked = log_in(client, coordinator.username, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
