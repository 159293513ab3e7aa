"""Every URL pattern, for every kind of visitor: anonymous, plain user, coordinator, superuser."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory
from tests.factories import (
    ActivityFactory, AuditEventFactory, CourseFactory, EventFactory, JobFactory, LearnerFactory, LearnerImportFactory,
    TemplateFactory, UserFactory)
from tests.subscriptions.factories import LearnerGroupFactory, SubscriptionFactory

ANYONE = "anyone"          # no login needed
LOGGED_IN = "logged_in"    # any logged-in user
COORDINATOR = "coordinator"  # coordinators and superusers

# name -> (who may open it, how to build its kwargs)
PAGES = {
    "login": (ANYONE, dict),
    "logout": (LOGGED_IN, dict),  # POST only; GET answers 405 once logged in
    "password_change": (LOGGED_IN, dict),
    "password_change_done": (LOGGED_IN, dict),
    "set_language": (LOGGED_IN, dict),  # POST only
    "dashboard": (LOGGED_IN, dict),
    "integration_connection_test": (COORDINATOR, lambda: {"name": "anewspring"}),  # POST only
    "learner_list": (COORDINATOR, dict),
    "learner_create": (COORDINATOR, dict),
    "learner_custom1_explain": (COORDINATOR, dict),
    "learner_detail": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    "learner_edit": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    "audit_list": (COORDINATOR, dict),
    "audit_export": (COORDINATOR, dict),
    "audit_detail": (COORDINATOR, lambda: {"pk": AuditEventFactory().pk}),
    "job_detail": (COORDINATOR, lambda: {"pk": JobFactory().pk}),
    "import_upload": (COORDINATOR, dict),
    "import_preview": (COORDINATOR, lambda: {"pk": LearnerImportFactory().pk}),
    "import_confirm": (COORDINATOR, lambda: {"pk": LearnerImportFactory().pk}),  # POST only
    "import_detail": (COORDINATOR, lambda: {"pk": LearnerImportFactory().pk}),
    "catalogue": (COORDINATOR, dict),
    "catalogue_sync": (COORDINATOR, dict),  # POST only
    "learner_subscriptions": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    "learner_subscriptions_refresh": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),  # POST only
    "subscribe": (COORDINATOR, dict),
    "subscription_results": (COORDINATOR, lambda: {"pk": SubscriptionFactory().pk}),
    "subscription_refresh": (COORDINATOR, lambda: {"pk": SubscriptionFactory().pk}),  # POST only
    "subscription_change": (COORDINATOR, lambda: {"pk": SubscriptionFactory().pk}),
    "subscription_unsubscribe": (COORDINATOR, lambda: {"pk": SubscriptionFactory().pk}),
    "subscription_score": (COORDINATOR, lambda: {"pk": SubscriptionFactory().pk}),
    "group_list": (COORDINATOR, dict),
    "group_create": (COORDINATOR, dict),
    "group_edit": (COORDINATOR, lambda: {"pk": LearnerGroupFactory().pk}),
    "group_sync": (COORDINATOR, lambda: {"pk": LearnerGroupFactory().pk}),  # POST only
    "award_list": (COORDINATOR, dict),
    "awards_submit": (COORDINATOR, dict),  # POST only
    "awards_resend": (COORDINATOR, dict),  # POST only
    "award_detail": (COORDINATOR, lambda: {"pk": AwardFactory().pk}),
    "award_resend": (COORDINATOR, lambda: {"pk": AwardFactory().pk}),  # POST only
    "accreditation_templates": (COORDINATOR, dict),
    "template_accreditation": (COORDINATOR, lambda: {"pk": TemplateFactory().pk}),
    "course_accreditation": (COORDINATOR, lambda: {"pk": CourseFactory().pk}),
    "certificate_accreditation": (COORDINATOR, lambda: {"pk": ActivityFactory(type="Certificate").pk}),
    "event_accreditation": (COORDINATOR, lambda: {"pk": EventFactory().pk}),
    "enrolment_list": (COORDINATOR, dict),
    "enrolment_reference": (COORDINATOR, dict),
    "enrolment_reference_sync": (COORDINATOR, dict),  # POST only
    "enrolment_bulk": (COORDINATOR, dict),
    "enrolment_detail": (COORDINATOR, lambda: {"pk": EnrolmentFactory().pk}),
    "enrolment_update": (COORDINATOR, lambda: {"pk": EnrolmentFactory().pk}),
    "enrolment_progress": (COORDINATOR, lambda: {"pk": EnrolmentFactory().pk}),  # POST only
    "enrolment_create": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    # aNewSpring's webhook: no login (its signature is the check) and POST only, so GET answers 405 to anyone.
    "anewspring_webhook": (ANYONE, dict),
}
POST_ONLY = {"logout", "set_language", "integration_connection_test", "import_confirm", "catalogue_sync",
             "learner_subscriptions_refresh", "subscription_refresh", "group_sync", "anewspring_webhook",
             "awards_submit", "awards_resend", "award_resend", "enrolment_reference_sync", "enrolment_progress"}


def named_patterns(resolver=None, prefix=""):
    """All named URL patterns of the project outside the admin, as 'namespace:name'."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from named_patterns(entry, prefix + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def test_every_url_pattern_has_an_access_rule():
    """A new page must say who may open it here, or this test fails."""
    assert set(named_patterns()) - set(PAGES) == set()


def _url(name):
    return reverse(name, kwargs=PAGES[name][1]())


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_login(client, name):
    response = client.get(_url(name))
    if PAGES[name][0] == ANYONE:
        assert response.status_code == (405 if name in POST_ONLY else 200)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_users_without_role_see_only_their_own_pages(client, plain_user, name):
    client.force_login(plain_user)
    response = client.get(_url(name))
    # A page of one object answers 404, as for a missing id, so that a 403 does not tell which ids exist.
    refused = {404} if "pk" in PAGES[name][1]() else {403}
    expected = {ANYONE: {200, 302} | ({405} if name in POST_ONLY else set()), LOGGED_IN: {200, 302, 405},
                COORDINATOR: refused}[PAGES[name][0]]
    assert response.status_code in expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_coordinators_open_every_coordinator_page(coordinator_client, name):
    response = coordinator_client.get(_url(name))
    assert response.status_code in ({302, 405} if name in POST_ONLY else {200, 302})


def admin_urls():
    yield reverse("admin:index")
    for model in admin_site._registry:
        yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.django_db
def test_admin_is_for_superusers_only(client, coordinator, superuser):
    staff = UserFactory(is_staff=True)
    for user, allowed in ((None, False), (coordinator, False), (staff, False), (superuser, True)):
        client.logout()
        if user:
            client.force_login(user)
        for url in admin_urls():
            response = client.get(url)
            if allowed:
                assert response.status_code == 200, url
            else:
                assert response.status_code == 302 and "/login/" in response["Location"], (user, url)
