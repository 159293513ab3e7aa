"""The shared input rules (portal/validators.py) in every form: control characters, external IDs that
would name another address, implausible dates."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.forms import LearnerForm
from portal.validators import BIRTH, PLANNING, date_bounds, external_id_problem, text_problem
from subscriptions.forms import ExternalScoreForm, LearnerGroupForm, SubscribeForm, SubscriptionChangeForm
from tests.factories import CourseFactory, LearnerFactory

pytestmark = pytest.mark.django_db
HOSTILE = ["\x01", "\x1b[31m", "\u202e", "\x7f", "\x9b", "\ufffe"]


def learner_data(**changes) -> dict:
    return {"first_name": "Jan", "last_name": "Vries", "external_id": "E-1", "active": True} | changes


@pytest.mark.parametrize("field", ["first_name", "middle_name", "last_name", "company", "address", "login"])
@pytest.mark.parametrize("bad", HOSTILE)
def test_the_learner_form_refuses_control_characters_in_any_text(field, bad):
    form = LearnerForm(data=learner_data(**{field: f"Ja{bad}n"}))
    assert not form.is_valid() and "control character" in form.errors[field][0]


@pytest.mark.parametrize("external_id", [".", "..", "a/b", "a\\b", "E\x1b1"])
def test_the_learner_form_refuses_an_external_id_that_names_another_address(external_id):
    form = LearnerForm(data=learner_data(external_id=external_id))
    assert not form.is_valid() and "external_id" in form.errors


@pytest.mark.parametrize("born, valid", [("0001-01-01", False), ("9999-12-31", False), ("1899-12-31", False),
                                         ("1900-01-01", True), ("1980-03-15", True)])
def test_the_date_of_birth_is_bounded(born, valid):
    assert LearnerForm(data=learner_data(date_of_birth=born)).is_valid() is valid


@pytest.mark.parametrize("external_id, name", [("..", "Nurses"), ("GRP/1", "Nurses"), ("GRP-1", "Nur\x1bses")])
def test_the_group_form_refuses_dot_ids_and_control_characters(external_id, name):
    form = LearnerGroupForm(data={"external_id": external_id, "name": name})
    assert not form.is_valid()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_subscription_dates_are_bounded(day):
    learner, course = LearnerFactory(), CourseFactory()
    subscribe = SubscribeForm(data={"course": course.pk, "learners": [learner.pk], "start_date": day})
    subscribe.fields["course"].queryset = type(course).objects.all()
    assert not subscribe.is_valid() and "start_date" in subscribe.errors
    change = SubscriptionChangeForm(data={"expire_date": day})
    assert not change.is_valid() and "expire_date" in change.errors


def test_a_score_date_lies_in_the_past_or_today():
    form = ExternalScoreForm(data={"completed_on": "9999-12-31"}, course=CourseFactory())
    assert not form.is_valid() and "completed_on" in form.errors


def test_date_bounds_are_plausible_for_each_kind():
    assert date_bounds(BIRTH)[0] == date(1900, 1, 1) and date_bounds(BIRTH)[1] <= date.today()
    assert date(2000, 1, 1) == date_bounds(PLANNING)[0] and date_bounds(PLANNING)[1].year >= date.today().year + 50


def test_text_rules_keep_ordinary_names_and_addresses():
    for text in ("Zoë O'Brien-Çelik", "Dorpsstraat 1\nachterom", "Łódź", "محمد", "李", "Jan\tde Vries"):
        assert text_problem(text) is None
    for external_id in ("E-1", "jan.de.vries", "...", ".hidden", "PORTAL-ABC"):
        assert external_id_problem(external_id) is None


@pytest.mark.parametrize("bad", ["\x01", "\u202e"])
def test_the_admin_refuses_control_characters(admin_client_, bad):
    page = admin_client_.post(reverse("admin:auth_group_add"), {"name": f"Audi{bad}tors"})
    assert page.status_code == 200 and "control character" in page.content.decode()
    assert not Group.objects.filter(name__startswith="Audi").exists()


@pytest.mark.parametrize("key", ["9" * 30, "-1", "３", "\u0661"])
def test_a_key_no_database_takes_is_a_choice_that_does_not_exist(key):
    group = LearnerGroupForm(data={"external_id": "GRP-1", "name": "Nurses", "add": [key], "remove": [key]})
    assert not group.is_valid() and set(group.errors) == {"add", "remove"}
    subscribe = SubscribeForm(data={"course": key, "learners": [key], "group": key})
    assert not subscribe.is_valid() and {"course", "learners", "group"} <= set(subscribe.errors)


@pytest.mark.parametrize("url, parameter", [("audit_list", "learner"), ("award_list", "course"),
                                            ("award_list", "org_id")])
def test_a_number_filter_past_the_databases_integers_finds_nothing_rather_than_failing(admin_client_, url,
                                                                                       parameter):
    page = admin_client_.get(reverse(url), {parameter: "9" * 30})
    assert page.status_code == 200
