"""The subscribe page keeps what the coordinator chose: the group a link names, and the course, dates and
ticked learners when the learner table is filtered."""

import re

import pytest
from django.urls import reverse

from tests.factories import CourseFactory, LearnerFactory
from tests.subscriptions.factories import LearnerGroupFactory

pytestmark = pytest.mark.django_db


def selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)[0]
    match = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return match[1] if match else None


def test_subscribe_this_group_opens_the_page_with_the_group_chosen(coordinator_client):
    group = LearnerGroupFactory()

    group_page = coordinator_client.get(reverse("group_edit", args=[group.pk])).text
    link = re.search(r'href="([^"]*)">Subscribe this group to a course', group_page)[1].replace("&amp;", "&")
    page = coordinator_client.get(link).text

    assert selected(page, "group") == str(group.pk)


def test_filtering_the_learners_keeps_the_choices_above_and_the_ticks(coordinator_client):
    course = CourseFactory()
    sanne, daan = LearnerFactory(first_name="Sanne", last_name="Visser"), LearnerFactory(first_name="Daan")

    page = coordinator_client.get(reverse("subscribe"), {
        "q": "visser", "course": course.pk, "start_date": "2026-12-14", "learners": [sanne.pk, daan.pk]}).text

    assert selected(page, "course") == str(course.pk)
    assert re.search(r'<input type="date" name="start_date" value="2026-12-14"', page)
    assert re.search(rf'<input [^>]*value="{sanne.pk}"[^>]*checked', page)  # shown, still ticked
    assert f'<input type="hidden" name="learners" value="{daan.pk}">' in page  # filtered out, still chosen


@pytest.mark.parametrize("odd", ["²", "3" * 30])
def test_a_tick_that_cannot_be_a_learner_is_left_out(coordinator_client, odd):
    sanne = LearnerFactory(first_name="Sanne", last_name="Visser")
    page = coordinator_client.get(reverse("subscribe"), {"q": "visser", "learners": [sanne.pk, odd]})
    assert page.status_code == 200
    assert re.search(rf'<input [^>]*value="{sanne.pk}"[^>]*checked', page.text)
