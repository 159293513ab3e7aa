"""The group page picks members with a search and shows its members a page at a time: never every learner."""

import json
import time

import pytest
from django.urls import reverse

from portal.models import AuditEvent, Learner
from subscriptions.forms import LearnerGroupForm
from subscriptions.selectors import MEMBER_CANDIDATES_LIMIT
from tests.factories import LearnerFactory
from tests.subscriptions.factories import LearnerGroupFactory

pytestmark = pytest.mark.django_db


def test_the_group_page_lists_no_learner_until_searched(coordinator_client):
    LearnerFactory.create_batch(60, first_name="Ann")
    page = coordinator_client.get(reverse("group_create")).content.decode()
    assert 'name="add"' not in page and "Ann" not in page
    assert 'hx-get="/groups/new/"' in page and 'hx-trigger="input changed delay:300ms, search"' in page


def test_typing_shows_a_bounded_number_of_matches(coordinator_client):
    LearnerFactory.create_batch(MEMBER_CANDIDATES_LIMIT + 10, first_name="Ann")
    LearnerFactory(first_name="Bob")
    LearnerFactory(first_name="Ann", active=False)
    fragment = coordinator_client.get(reverse("group_create"), {"member_q": "ann"},
                                      headers={"HX-Request": "true"}).content.decode()
    assert fragment.count('name="add"') == MEMBER_CANDIDATES_LIMIT
    assert "Bob" not in fragment and "type more to narrow the search" in fragment


def test_searching_works_without_javascript(coordinator_client):
    ann = LearnerFactory(first_name="Ann", last_name="Jansen")
    page = coordinator_client.get(reverse("group_create"), {"member_q": "jansen"}).content.decode()
    assert f'name="add" value="{ann.pk}"' in page and "<!doctype html>" in page


def test_members_are_added_and_removed_and_the_change_is_audited(coordinator_client):
    ann, bob, cas = LearnerFactory(), LearnerFactory(), LearnerFactory()
    group = LearnerGroupFactory()
    group.members.set([ann, bob])
    coordinator_client.post(reverse("group_edit", args=[group.pk]), {
        "external_id": group.external_id, "name": group.name, "add": [cas.pk, bob.pk], "remove": [ann.pk]})
    assert set(group.members.all()) == {bob, cas}
    changes = AuditEvent.objects.get(action="group.update").changes
    assert changes == {"members_added": {"before": None, "after": [cas.anewspring_id]},
                       "members_removed": {"before": [ann.anewspring_id], "after": None}}


def test_a_large_group_shows_its_members_a_page_at_a_time(coordinator_client):
    group = LearnerGroupFactory()
    group.members.set(LearnerFactory.create_batch(30))
    url = reverse("group_edit", args=[group.pk])
    first = coordinator_client.get(url).content.decode()
    assert first.count('name="remove"') == 25 and "30 members" in first
    assert coordinator_client.get(url, {"members_page": 2}).content.decode().count('name="remove"') == 5


def test_adding_990_members_to_9900_is_quick_and_audits_only_who_was_added(coordinator_client):
    Learner.objects.bulk_create(Learner(first_name="L", last_name=str(n), external_id=f"E{n}") for n in range(10_890))
    learners = list(Learner.objects.order_by("pk"))
    group = LearnerGroupFactory()
    group.members.add(*learners[:9_900])
    data = {"external_id": group.external_id, "name": group.name, "add": [learner.pk for learner in learners[9_900:]],
            "remove": [learners[0].pk]}

    form = LearnerGroupForm(data=data, instance=group)
    assert form.is_valid()
    started = time.perf_counter()
    members = form.members()
    assert time.perf_counter() - started < 1  # each added learner looked up in a list of 9,900: 6 s
    assert len(members) == 10_889

    coordinator_client.post(reverse("group_edit", args=[group.pk]), data)
    assert group.members.count() == 10_889
    event = AuditEvent.objects.get(action="group.update")
    assert len(event.changes["members_added"]["after"]) == 990
    assert event.changes["members_removed"]["before"] == [learners[0].external_id]
    assert len(json.dumps(event.changes)) < 20_000  # the whole list twice was 260 KB
