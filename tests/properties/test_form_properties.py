"""Properties of the learner and subscription forms: whatever is posted, ``is_valid()`` answers (the
errors are the forms' own), and what it accepts holds no forbidden character, no ID that names
another address and no implausible date."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.forms import LearnerForm
from portal.validators import BIRTH, PLANNING, date_problem, external_id_problem, text_problem
from subscriptions.forms import LearnerGroupForm, SubscribeForm, SubscriptionChangeForm
from tests.properties.strategies import any_text, hostile_date_text

pytestmark = pytest.mark.django_db
FORMS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
key = st.one_of(any_text, st.integers().map(str))


def assert_clean_text(cleaned: dict) -> None:
    for value in cleaned.values():
        if isinstance(value, str):
            assert text_problem(value) is None


@FORMS
@given(first_name=any_text, last_name=any_text, external_id=any_text, login=any_text, custom1=any_text,
       company=any_text, date_of_birth=hostile_date_text, email=any_text)
def test_the_learner_form_answers_for_anything(first_name, last_name, external_id, login, custom1, company,
                                               date_of_birth, email):
    form = LearnerForm(data={"first_name": first_name, "last_name": last_name, "external_id": external_id,
                             "login": login, "custom1": custom1, "company": company,
                             "date_of_birth": date_of_birth, "email": email, "active": "on"})
    if form.is_valid():
        assert_clean_text(form.cleaned_data)
        if form.cleaned_data["external_id"]:
            assert external_id_problem(form.cleaned_data["external_id"]) is None
        if form.cleaned_data["date_of_birth"]:
            assert date_problem(BIRTH, form.cleaned_data["date_of_birth"]) is None


@FORMS
@given(external_id=any_text, name=any_text, add=st.lists(key, max_size=3), remove=st.lists(key, max_size=3))
def test_the_group_form_answers_for_anything(external_id, name, add, remove):
    form = LearnerGroupForm(data={"external_id": external_id, "name": name, "add": add, "remove": remove})
    if form.is_valid():
        assert_clean_text(form.cleaned_data)
        assert external_id_problem(form.cleaned_data["external_id"]) is None
        form.members()


@FORMS
@given(course=key, learners=st.lists(key, max_size=3), group=key, start=hostile_date_text, expire=hostile_date_text,
       confirmed=any_text)
def test_the_subscribe_forms_answer_for_anything(course, learners, group, start, expire, confirmed):
    subscribe = SubscribeForm(data={"course": course, "learners": learners, "group": group, "start_date": start,
                                    "expire_date": expire, "confirmed": confirmed})
    change = SubscriptionChangeForm(data={"start_date": start, "expire_date": expire})
    for form in (subscribe, change):
        if form.is_valid():
            for name in ("start_date", "expire_date"):
                if form.cleaned_data.get(name):
                    assert date_problem(PLANNING, form.cleaned_data[name]) is None
