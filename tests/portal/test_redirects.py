"""No view sends a visitor to another site through a `next` parameter (an open redirect)."""

import pytest
from django.urls import reverse

from tests.factories import CourseFactory, LearnerFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
ELSEWHERE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example",
             "\\\\evil.example", "javascript:alert(1)", " https://evil.example/", "http://testserver@evil.example/"]


def assert_stays_here(response):
    location = response["Location"]
    assert response.status_code == 302
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logging_in_never_leads_elsewhere(client, coordinator, target):
    response = client.post(f"{reverse('login')}?next={target}", {"username": coordinator.username,
                                                                  "password": PASSWORD, "next": target})
    assert_stays_here(response)
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_login_page_of_a_logged_in_user_never_leads_elsewhere(coordinator_client, target):
    assert_stays_here(coordinator_client.get(reverse("login"), {"next": target}))


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logging_out_never_leads_elsewhere(coordinator_client, target):
    response = coordinator_client.post(reverse("logout"), {"next": target})
    assert_stays_here(response)


@pytest.mark.parametrize("target", ELSEWHERE)
def test_switching_the_language_never_leads_elsewhere(coordinator_client, target):
    response = coordinator_client.post(reverse("set_language"), {"language": "nl", "next": target},
                                       HTTP_REFERER=target)
    assert_stays_here(response)


def test_switching_the_language_returns_to_the_page(coordinator_client):
    response = coordinator_client.post(reverse("set_language"), {"language": "nl", "next": "/learners/?q=a"})
    assert response["Location"] == "/learners/?q=a"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_failed_subscribe_never_leads_elsewhere(coordinator_client, settings, target):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = "http://127.0.0.1:1/api", "key"  # refused
    response = coordinator_client.post(reverse("subscribe"), {
        "learners": [LearnerFactory().pk], "course": CourseFactory().pk, "next": target})
    assert_stays_here(response)
    assert response["Location"] == reverse("subscribe")
