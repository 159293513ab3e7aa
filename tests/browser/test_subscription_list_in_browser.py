from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import AuditEvent
from tests.factories import CourseFactory, LearnerFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_filters_and_sorts_every_subscription_and_opens_a_learners(logged_in_page):
    wound, cpr = CourseFactory(name="Wound care"), CourseFactory(name="CPR refresher")
    for last_name, course, flags in (("Visser", wound, {"active": True}), ("Bakker", wound, {"active": True}),
                                     ("Mulder", wound, {"active": True, "completed": True}),
                                     ("Smit", cpr, {"active": True})):
        SubscriptionFactory(learner=LearnerFactory(first_name="Anna", last_name=last_name), course=course,
                            start_date=date(2026, 2, 1), **flags)
    page = logged_in_page

    page.locator("#mainnav").get_by_role("link", name="Subscriptions").click()
    rows = page.locator("#subscription-list tbody tr")
    expect(rows).to_have_count(4)

    page.get_by_label("Course").select_option(label="Wound care")
    page.get_by_label("Status").select_option(label="active")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#subscription-list")).not_to_contain_text("Mulder")

    page.locator("#subscription-list thead").get_by_role("link", name="Learner").click()
    expect(rows.first).to_contain_text("Anna Bakker")
    expect(rows.last).to_contain_text("Anna Visser")
    page.locator("#subscription-list thead").get_by_role("link", name="Learner").click()  # descending
    expect(rows.first).to_contain_text("Anna Visser")
    expect(page.get_by_label("Status")).to_have_value("active")  # the sort kept the filters

    page.get_by_label("Learner").fill("bakker")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name="Anna Bakker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscriptions of Anna Bakker")


def test_coordinator_pages_the_audit_log_older_and_newer(logged_in_page):
    start = timezone.now() - timedelta(hours=1)
    AuditEvent.objects.append([{"actor": "system", "action": "learner.update", "summary": f"event {n:03d}",
                                "created_at": start + timedelta(seconds=n)} for n in range(35)])
    page = logged_in_page

    page.locator("#mainnav").get_by_role("link", name="Audit log").click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Signed in")  # the coordinator's own sign-in is the newest event
    expect(rows.nth(1)).to_contain_text("event 034")
    page.get_by_role("link", name="Older").click()
    expect(rows.first).to_contain_text("event 010")
    expect(rows.last).to_contain_text("event 000")
    page.get_by_role("link", name="Newer").click()
    expect(rows.nth(1)).to_contain_text("event 034")
    expect(rows).to_have_count(25)
