"""What the other pages show of the awards: the learner page's awards per register and the template page's
awards per basis (trigger), each from a bounded number of grouped queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accreditation.models import Award
from accreditation.selectors import LEARNER_PANEL_PER_REGISTER
from tests.accreditation.factories import AwardFactory
from tests.factories import CourseFactory, LearnerFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def _register(page: str, org_id: int) -> str:
    match = re.search(rf'<section class="mb-3" data-org-id="{org_id}">(.*?)</section>', page, re.DOTALL)
    assert match, f"no register {org_id}"
    return match.group(1)


def _awards(learner, n, **fields):
    awards = AwardFactory.create_batch(n, learner=learner, **fields)
    for age, award in enumerate(awards):  # oldest first: the newest are the last made
        Award.objects.filter(pk=award.pk).update(created_at=timezone.now() - timedelta(days=n - age))
    return awards


def test_the_learner_page_shows_the_newest_awards_of_each_register_with_counts_and_a_link(coordinator_client):
    learner = LearnerFactory(external_id="LEARNER-0007")
    many = _awards(learner, LEARNER_PANEL_PER_REGISTER + 2, org_id=19, status=Award.ACCEPTED)
    Award.objects.filter(pk=many[-1].pk).update(status=Award.SUPERSEDED)
    _awards(learner, 1, org_id=52, status=Award.NO_DATE, pe_course_id="5201")
    AwardFactory(org_id=19, pe_course_id="9999")  # another learner's

    page = coordinator_client.get(learner.get_absolute_url()).text

    register_19, register_52 = _register(page, 19), _register(page, 52)
    assert "Register 19" in register_19 and "Register 52" in register_52
    assert register_19.count("<tr>") - 1 == LEARNER_PANEL_PER_REGISTER  # the header, then the newest awards
    assert many[-1].pe_course_id in register_19 and many[0].pe_course_id not in register_19
    assert "accepted · 11" in register_19 and "accepted under earlier PE IDs · 1" in register_19
    assert "All 12 awards of this register" in register_19
    assert "/accreditation/?learner=LEARNER-0007&amp;org_id=19" in register_19
    assert "5201" in register_52 and "blocked: no completion date · 1" in register_52
    assert "awards of this register" not in register_52 and "9999" not in page


def test_the_learner_panel_makes_the_same_queries_however_many_awards_and_registers(coordinator_client):
    learner = LearnerFactory()
    _awards(learner, 2, org_id=19)
    coordinator_client.get(learner.get_absolute_url())  # the session's refresh, once
    with CaptureQueriesContext(connection) as few:
        coordinator_client.get(learner.get_absolute_url())
    _awards(learner, 30, org_id=19)
    _awards(learner, 30, org_id=52)
    with CaptureQueriesContext(connection) as many:
        page = coordinator_client.get(learner.get_absolute_url()).text

    assert len(many) == len(few)
    assert page.count(f'href="/accreditation/awards/') == 2 * LEARNER_PANEL_PER_REGISTER


def test_a_learner_without_awards_sees_so(coordinator_client):
    page = coordinator_client.get(LearnerFactory().get_absolute_url()).text
    assert 'id="learner-awards"' in page and "No PE-online awards." in page


def test_the_template_page_counts_its_awards_per_basis(coordinator_client):
    template = TemplateFactory()
    course, other_course = CourseFactory(template=template), CourseFactory(template=template)
    for trigger, status, n in [(Award.COMPLETION, Award.DUE, 2), (Award.COMPLETION, Award.ACCEPTED, 3),
                               (Award.CERTIFICATE, Award.REJECTED, 1), (Award.CERTIFICATE, Award.NO_DATE, 2),
                               (Award.EVENT, Award.BLOCKED, 1), (Award.EVENT, Award.WITHDRAWN, 4)]:
        AwardFactory.create_batch(n, course=course, trigger=trigger, status=status)
    AwardFactory(course=other_course, trigger=Award.EVENT, status=Award.ACCEPTED)
    AwardFactory(trigger=Award.COMPLETION, status=Award.DUE)  # another template's

    page = coordinator_client.get(f"/accreditation/templates/{template.pk}/").text

    rows = {trigger: dict(re.findall(r'data-column="(\w+)">(\d+)<', row)) for trigger, row in
            re.findall(r'<tr data-trigger="(\w+)">(.*?)</tr>', page, re.DOTALL)}
    assert rows == {
        "completion": {"due": "2", "accepted": "3", "rejected": "0", "blocked": "0", "other": "0"},
        "certificate": {"due": "0", "accepted": "0", "rejected": "1", "blocked": "2", "other": "0"},
        "event": {"due": "0", "accepted": "1", "rejected": "0", "blocked": "1", "other": "4"},
    }
    assert f'href="/accreditation/?template={template.pk}"' in page


def test_the_template_page_counts_in_one_query_however_many_awards(coordinator_client):
    template = TemplateFactory()
    url = f"/accreditation/templates/{template.pk}/"
    coordinator_client.get(url)
    with CaptureQueriesContext(connection) as none:
        coordinator_client.get(url)
    AwardFactory.create_batch(20, course=CourseFactory(template=template))
    with CaptureQueriesContext(connection) as some:
        coordinator_client.get(url)

    assert len(some) == len(none)
    assert len([q for q in some.captured_queries if 'FROM "accreditation_award"' in q["sql"]]) == 1
