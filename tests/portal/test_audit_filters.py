"""The audit log finds a learner's events by name (the learner list's search), and its headers are in the
reader's language."""

import pytest
from django.urls import reverse

from portal import filters
from tests.factories import AuditEventFactory, LearnerFactory

pytestmark = pytest.mark.django_db


def test_the_audit_log_finds_a_learners_events_by_name(coordinator_client):
    mine = AuditEventFactory(learner=LearnerFactory(first_name="Jérôme", last_name="Mulder"))
    AuditEventFactory(learner=LearnerFactory(first_name="Ann", last_name="Smit"))

    page = coordinator_client.get(reverse("audit_list"), {"learner_name": "jérôme mulder"})

    assert list(page.context["table"].data) == [mine]
    by_number = coordinator_client.get(reverse("audit_list"), {"learner": mine.learner_id})  # the learner page's link
    assert list(by_number.context["table"].data) == [mine]


def test_a_name_search_takes_the_events_of_a_bounded_number_of_learners(coordinator_client, monkeypatch):
    monkeypatch.setattr(filters, "AUDIT_LEARNERS_FOUND", 2)
    for _ in range(3):
        AuditEventFactory(learner=LearnerFactory(last_name="Mulder"))

    page = coordinator_client.get(reverse("audit_list"), {"learner_name": "Mulder"})

    assert len(page.context["table"].data) == 2


def test_the_audit_log_columns_are_named_in_dutch(coordinator_client):
    AuditEventFactory()

    html = coordinator_client.get(reverse("audit_list"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    head = html[html.index("<thead"):html.index("</thead>")]

    for dutch in ("Tijdstip", "Uitvoerder", "Actie", "Cursist", "Cursus", "Uitkomst"):
        assert dutch in head
    assert "Created at" not in head and "Learner" not in head and "Course" not in head
    assert 'placeholder="Naam' in html  # the learner filter asks for a name
