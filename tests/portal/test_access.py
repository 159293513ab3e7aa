"""Every URL pattern, for every kind of visitor: anonymous, plain user, coordinator, superuser.

The patterns are read from the URL configuration, so a new page without a decision here fails
the test; each visitor must get exactly the answer below, for GET and (for those who may not act) POST.
"""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.contrib.admin.sites import site as admin_site
from django.urls import URLResolver, get_resolver, reverse

from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory
from portal.models import AuditEvent
from tests.factories import (
    ActivityFactory, AuditEventFactory, CourseFactory, EventFactory, JobFactory, LearnerFactory, LearnerImportFactory,
    TemplateFactory, UserFactory)
from tests.subscriptions.factories import LearnerGroupFactory, SubscriptionFactory

ANYONE = "anyone"          # no login needed
LOGGED_IN = "logged_in"    # any logged-in user
COORDINATOR = "coordinator"  # coordinators and superusers

def _event_import_job():
    return JobFactory(kind="event_import_preview", params={"course_id": CourseFactory().pk, "file_name": "e.csv"})


# name -> (who may open it, how to build its kwargs)
PAGES = {
    "login": (ANYONE, dict),
    "logout": (LOGGED_IN, dict),  # POST only; GET answers 405 once logged in
    "password_change": (LOGGED_IN, dict),
    "password_change_done": (LOGGED_IN, dict),
    "profile": (LOGGED_IN, dict),
    "set_language": (LOGGED_IN, dict),  # POST only
    "dashboard": (LOGGED_IN, dict),
    "worklist": (LOGGED_IN, dict),
    "worklist_badge": (LOGGED_IN, dict),
    "integration_connection_test": (COORDINATOR, lambda: {"name": "anewspring"}),  # POST only
    "learner_list": (COORDINATOR, dict),
    "learner_create": (COORDINATOR, dict),
    "learner_custom1_explain": (COORDINATOR, dict),
    "learner_detail": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    "learner_edit": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    "audit_list": (COORDINATOR, dict),
    "audit_export": (COORDINATOR, dict),
    "audit_detail": (COORDINATOR, lambda: {"pk": AuditEventFactory().pk}),
    "job_list": (COORDINATOR, dict),
    "job_detail": (COORDINATOR, lambda: {"pk": JobFactory().pk}),
    "import_upload": (COORDINATOR, dict),
    "import_preview": (COORDINATOR, lambda: {"pk": LearnerImportFactory().pk}),
    "import_confirm": (COORDINATOR, lambda: {"pk": LearnerImportFactory().pk}),  # POST only
    "import_detail": (COORDINATOR, lambda: {"pk": LearnerImportFactory().pk}),
    "import_list": (COORDINATOR, dict),
    "import_errors": (COORDINATOR, lambda: {"pk": LearnerImportFactory().pk}),
    "catalogue": (COORDINATOR, dict),
    "catalogue_sync": (COORDINATOR, dict),  # POST only
    "learner_subscriptions": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    "learner_subscriptions_refresh": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),  # POST only
    "subscribe": (COORDINATOR, dict),
    "subscription_list": (COORDINATOR, dict),
    "subscription_export": (COORDINATOR, dict),
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
    "award_export": (COORDINATOR, dict),
    "awards_submit": (COORDINATOR, dict),  # POST only
    "awards_resend": (COORDINATOR, dict),  # GET asks for confirmation, POST resends
    "award_detail": (COORDINATOR, lambda: {"pk": AwardFactory().pk}),
    "award_resend": (COORDINATOR, lambda: {"pk": AwardFactory().pk}),  # POST only
    "award_resend_under_new_ids": (COORDINATOR, lambda: {"pk": AwardFactory().pk}),  # POST only
    "template_resend_under_new_ids": (COORDINATOR, lambda: {"pk": TemplateFactory().pk}),  # POST only
    "accreditation_templates": (COORDINATOR, dict),
    "template_accreditation": (COORDINATOR, lambda: {"pk": TemplateFactory().pk}),
    "course_accreditation": (COORDINATOR, lambda: {"pk": CourseFactory().pk}),
    "certificate_accreditation": (COORDINATOR, lambda: {"pk": ActivityFactory(type="Certificate").pk}),
    "event_accreditation": (COORDINATOR, lambda: {"pk": EventFactory().pk}),
    "event_create": (COORDINATOR, lambda: {"pk": CourseFactory().pk}),
    "event_update": (COORDINATOR, lambda: {"pk": EventFactory().pk}),
    "event_delete": (COORDINATOR, lambda: {"pk": EventFactory().pk}),
    "event_import": (COORDINATOR, lambda: {"pk": CourseFactory().pk}),
    "event_import_preview": (COORDINATOR, lambda: {"pk": _event_import_job().pk}),
    "event_import_confirm": (COORDINATOR, lambda: {"pk": _event_import_job().pk}),  # POST only
    "enrolment_list": (COORDINATOR, dict),
    "enrolment_reference": (COORDINATOR, dict),
    "enrolment_reference_sync": (COORDINATOR, dict),  # POST only
    "enrolment_answer_check": (COORDINATOR, dict),  # POST only
    "enrolment_bulk": (COORDINATOR, dict),
    "enrolment_detail": (COORDINATOR, lambda: {"pk": EnrolmentFactory().pk}),
    "enrolment_update": (COORDINATOR, lambda: {"pk": EnrolmentFactory().pk}),
    "enrolment_progress": (COORDINATOR, lambda: {"pk": EnrolmentFactory().pk}),  # POST only
    "enrolment_create": (COORDINATOR, lambda: {"pk": LearnerFactory().pk}),
    # aNewSpring's webhook: no login (its signature is the check) and POST only, so GET answers 405 to anyone.
    "anewspring_webhook": (ANYONE, dict),
    # The load balancer's health check: no login, no data.
    "health": (ANYONE, dict),
}
POST_ONLY = {"logout", "set_language", "integration_connection_test", "import_confirm", "catalogue_sync",
             "learner_subscriptions_refresh", "subscription_refresh", "group_sync", "anewspring_webhook",
             "awards_submit", "award_resend", "award_resend_under_new_ids",
             "template_resend_under_new_ids", "enrolment_reference_sync", "enrolment_progress",
             "event_import_confirm", "enrolment_answer_check"}
# Downloads and the health check answer with no HTML page.
NOT_HTML = {"audit_export", "subscription_export", "award_export", "import_errors", "health"}
# Signed by aNewSpring instead of carrying a CSRF token.
CSRF_EXEMPT = {"anewspring_webhook"}

ROLES = ("anonymous", "plain", "coordinator", "superuser")
TO_LOGIN = "302 to login"
# A page of one object answers 404, as for a missing id, so that a 403 does not tell which ids exist.
REFUSED = "403, or 404 on a page of one object"
# What a GET answers, by access rule and visitor ("ok" is 200, or 405 for a POST-only page) ...
GET_ANSWERS = {
    ANYONE: {"anonymous": "ok", "plain": "ok", "coordinator": "ok", "superuser": "ok"},
    LOGGED_IN: {"anonymous": TO_LOGIN, "plain": "ok", "coordinator": "ok", "superuser": "ok"},
    COORDINATOR: {"anonymous": TO_LOGIN, "plain": REFUSED, "coordinator": "ok", "superuser": "ok"},
}
# ... and where a page answers otherwise, why.
GET_EXCEPTIONS = {
    ("login", "plain"): 302, ("login", "coordinator"): 302, ("login", "superuser"): 302,  # already logged in
    # GET changes no language; it only sends the visitor back.
    ("set_language", "plain"): 302, ("set_language", "coordinator"): 302, ("set_language", "superuser"): 302,
    # An import not yet confirmed has no result to show: its preview does.
    ("import_detail", "coordinator"): 302, ("import_detail", "superuser"): 302,
}
# A POST from someone who may not act: refused before anything happens.
POST_REFUSALS = {"anonymous": TO_LOGIN, "plain": REFUSED}
POST_EXCEPTIONS = {("login", "anonymous"): 200, ("login", "plain"): 302,  # the form again; already logged in
                   ("anewspring_webhook", "anonymous"): 403, ("anewspring_webhook", "plain"): 403,  # no signature
                   ("health", "anonymous"): 405, ("health", "plain"): 405}


def url_patterns(resolver=None, prefix=""):
    """Every URL pattern of the project outside the admin, as ('namespace:name' or None, route)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from url_patterns(entry, prefix + (f"{entry.namespace}:" if entry.namespace else ""))
        else:
            yield (prefix + entry.name if entry.name else None), str(entry.pattern)


def test_every_url_pattern_has_an_access_rule():
    """A new page must have a name and say here who may open it, or this test fails."""
    undecided = [route for name, route in url_patterns() if name not in PAGES]
    assert undecided == []
    assert set(PAGES) - {name for name, _route in url_patterns()} == set(), "rules for pages that are gone"


def test_a_page_added_without_a_decision_is_noticed(settings):
    settings.ROOT_URLCONF = "tests.portal.urls_with_new_pages"
    assert [route for name, route in url_patterns() if name not in PAGES] == ["reports/", "reports/new/"]


def _url(name):
    return reverse(name, kwargs=PAGES[name][1]())


@pytest.fixture
def visitor(request, client, plain_user, coordinator, superuser):
    user = {"anonymous": None, "plain": plain_user, "coordinator": coordinator, "superuser": superuser}[request.param]
    if user:
        client.force_login(user)
    return request.param, client


def _assert_answer(response, expected, name):
    if expected == TO_LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
    else:
        if expected == "ok":
            expected = 405 if name in POST_ONLY else 200
        elif expected == REFUSED:
            expected = 404 if "<int:pk>" in dict(url_patterns())[name] else 403
        assert response.status_code == expected, name


@pytest.mark.django_db
@pytest.mark.parametrize("visitor", ROLES, indirect=True)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_visitor_gets_exactly_their_answer(visitor, name):
    role, client = visitor
    expected = GET_EXCEPTIONS.get((name, role), GET_ANSWERS[PAGES[name][0]][role])
    _assert_answer(client.get(_url(name)), expected, name)


@pytest.mark.django_db
@pytest.mark.parametrize("visitor", POST_REFUSALS, indirect=True)
@pytest.mark.parametrize("name", sorted(name for name, (rule, _kwargs) in PAGES.items()
                                        if rule == COORDINATOR or name in POST_EXCEPTIONS or name == "login"))
def test_who_may_not_act_changes_nothing_by_posting(visitor, name):
    role, client = visitor
    url = _url(name)
    events_before = AuditEvent.objects.count()
    _assert_answer(client.post(url, {"confirmed": "1"}), POST_EXCEPTIONS.get((name, role), POST_REFUSALS[role]), name)
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PAGES) - CSRF_EXEMPT))
def test_every_post_without_a_csrf_token_is_refused(superuser, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    url = _url(name)
    events_before = AuditEvent.objects.count()
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 403 and b"CSRF verification failed" in response.content
    assert AuditEvent.objects.count() == events_before


class _Forms(HTMLParser):
    """The POST forms of a page, each with whether it carries the CSRF token, and the htmx POSTs."""

    def __init__(self):
        super().__init__()
        self.forms, self.htmx_posts, self.body_headers = [], 0, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append(False)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1] = True
        if any(key in attrs for key in ("hx-post", "hx-put", "hx-patch", "hx-delete")):
            self.htmx_posts += 1
        if tag == "body":
            self.body_headers = attrs.get("hx-headers", "")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PAGES) - POST_ONLY - NOT_HTML))
def test_every_form_carries_the_csrf_token(superuser, client, name):
    client.force_login(superuser)
    response = client.get(_url(name), follow=True)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = _Forms()
    page.feed(response.content.decode())
    assert all(page.forms), f"{name}: a POST form without the CSRF token"
    if page.htmx_posts:
        assert "X-CSRFToken" in page.body_headers


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
