"""Choices made in a picker survive what the coordinator does next: another search, a filter."""

import re

import pytest
from playwright.sync_api import expect

from subscriptions.models import LearnerGroup
from tests.factories import CourseFactory, LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticks_made_before_a_second_search_are_saved_too(logged_in_page, live_server):
    for first, last in (("Sanne", "Visser"), ("Sem", "Visser"), ("Daan", "Bakker"), ("Lotte", "Bakker"),
                        ("Noah", "Smit")):
        LearnerFactory(first_name=first, last_name=last)
    page = logged_in_page
    page.goto(f"{live_server.url}/groups/new/")
    page.get_by_label("Group ID").fill("GRP-C")
    page.locator("#id_name").fill("Cohort C")
    search = page.get_by_label("Search learners to add")
    search.press_sequentially("visser")
    page.get_by_label("Sanne Visser").check()
    page.get_by_label("Sem Visser").check()
    search.fill("")
    search.press_sequentially("bakker")
    expect(page.locator("#member-candidates")).to_contain_text("Daan Bakker")
    page.get_by_label("Daan Bakker").check()
    page.get_by_label("Lotte Bakker").check()
    expect(page.get_by_label("Sanne Visser")).to_be_checked()  # still there, still ticked
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Group Cohort C saved.")).to_be_visible()
    assert sorted(m.full_name for m in LearnerGroup.objects.get().members.all()) == [
        "Daan Bakker", "Lotte Bakker", "Sanne Visser", "Sem Visser"]


def test_filtering_the_learners_to_subscribe_keeps_the_course_dates_and_ticks(logged_in_page, live_server):
    course = CourseFactory(name="Wondzorg voorjaar")
    LearnerFactory(first_name="Sanne", last_name="Visser")
    LearnerFactory(first_name="Daan", last_name="Bakker")
    page = logged_in_page
    page.goto(f"{live_server.url}/subscriptions/new/")
    page.get_by_label("Course").select_option(str(course.pk))
    page.get_by_label("Start date").fill("2026-12-14")
    page.get_by_role("row", name="Sanne Visser").get_by_role("checkbox").check()
    page.locator("#id_q").fill("bakker")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#learner-select")).not_to_contain_text("Sanne Visser")
    expect(page.locator("#learner-select")).to_contain_text("Daan Bakker")
    expect(page.get_by_label("Course")).to_have_value(str(course.pk))
    expect(page.get_by_label("Start date")).to_have_value("2026-12-14")
    expect(page.locator("#ticked-elsewhere")).to_contain_text("1 learner ticked before")
    expect(page).to_have_url(re.compile(r"q=bakker"))
