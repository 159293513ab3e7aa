"""Names sort as people expect, case and accents aside: byte order put "Yilmaz" before "de Graaf" and
"Özdemir" after both. The learner list, its search, the pickers and a group's members alike."""

import re

import pytest
from django.urls import reverse

from portal.collation import sort_key
from portal.models import Learner
from subscriptions.services.groups import learner_group_save
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db
# (first name, last name), as a Dutch coordinator expects them.
EXPECTED = [("Sanne", "Bakker"), ("Joël", "de Graaf"), ("Anna", "De Vries"), ("Emma", "Élysée"),
            ("Elif", "Özdemir"), ("Zeynep", "Yilmaz")]


@pytest.fixture
def learners(db):
    return [LearnerFactory(first_name=first, last_name=last, email=f"{first.lower()}@example.org")
            for first, last in reversed(EXPECTED)]


def names(html: str) -> list[tuple[str, str]]:
    shown = re.findall(r"(?:>|Remove )((?:Sanne|Anna|Joël|Emma|Elif|Zeynep) [^<]+)<", html)
    return [tuple(name.strip().split(" ", 1)) for name in shown]


def test_the_sort_key_sets_case_and_accents_aside():
    assert sorted(["Yilmaz", "de Graaf", "Özdemir", "Bakker", "Élysée"], key=sort_key) == [
        "Bakker", "de Graaf", "Élysée", "Özdemir", "Yilmaz"]


def test_the_database_sorts_names_as_people_expect(learners):
    assert list(Learner.objects.values_list("first_name", "last_name")) == EXPECTED


def test_the_learner_list_sorts_names_as_people_expect_either_way_and_in_a_search(admin_client_, learners):
    assert names(admin_client_.get(reverse("learner_list")).text) == EXPECTED
    assert names(admin_client_.get(reverse("learner_list"), {"sort": "-name"}).text) == EXPECTED[::-1]
    assert names(admin_client_.get(reverse("learner_list"), {"q": "example.org"}).text) == EXPECTED


def test_the_pickers_sort_names_as_people_expect(admin_client_, learners):
    assert names(admin_client_.get(reverse("subscribe")).text) == EXPECTED
    assert names(admin_client_.get(reverse("subscribe"), {"sort": "name"}).text) == EXPECTED
    group = learner_group_save(group=None, data={"external_id": "GRP-N", "name": "Names"}, members=learners)
    page = admin_client_.get(reverse("group_edit", args=[group.pk]), {"member_q": "example.org"}).text
    members, candidates = page.split('id="member-candidates"')
    assert names(members) == EXPECTED and names(candidates) == EXPECTED
