"""Events stored before the PE Meeting ID cap with more IDs than it allows make no awards (each ID is an award
per learner registration), and the event, course and template pages say so, until the configuration is corrected."""

from datetime import UTC, datetime

import pytest

from accreditation import selectors
from accreditation.models import (
    AccreditationType, Assessment, Award, AwardBasis, EventAccreditation, TemplateAccreditation)
from accreditation.services import event_accreditation_save
from portal.services import learner_create
from subscriptions.models import ActivityResult
from subscriptions.signals import activity_results_changed
from tests.accreditation.factories import AwardFactory
from tests.factories import ActivityFactory, CourseFactory, EventFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
DONE = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
TOO_MANY = "too many meeting IDs: correct the configuration"


@pytest.fixture
def over_cap(settings):
    """A cap of 3 and an event per event-accredited template that lists 4 meeting IDs (stored before the cap:
    straight into the table, as no form or service takes it now)."""
    settings.PE_ONLINE_MAX_MEETING_IDS = 3
    course = CourseFactory()
    TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.EVENT,
                                         type=AccreditationType.EVENTS_PER_EVENT)
    activity = ActivityFactory(template=course.template, name="Skills day", type="Event", sub_type="Event")
    event = EventFactory(course=course, activity=activity, name="Skills day Utrecht")
    EventAccreditation.objects.create(event=event, pe_meeting_ids=["101", "102", "103", "104"], pe_course_id="1001",
                                      pe_edition_id="10011", assessment=Assessment.ATTENDANCE)
    return event


def attended(event) -> None:
    anna = learner_create(data={"external_id": "L-1", "first_name": "Anna", "last_name": "Jansen",
                                "custom1": "19/39054148101"})[0]
    subscription = SubscriptionFactory(learner=anna, course=event.course)
    row = ActivityResult.objects.create(subscription=subscription, activity=event.activity, completed=True,
                                        complete_date=DONE)
    activity_results_changed.send(sender=type(subscription), subscription=subscription, changed=[row])


def test_an_event_over_the_cap_makes_no_awards_until_its_configuration_is_corrected(
        over_cap, django_capture_on_commit_callbacks):
    attended(over_cap)
    assert not Award.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        event_accreditation_save(event=over_cap, data={"pe_meeting_ids": ["101", "102", "103"]})

    assert sorted(Award.objects.values_list("pe_meeting_id", flat=True)) == ["101", "102", "103"]


def test_the_event_course_and_template_pages_say_so(over_cap, coordinator_client):
    event_page = coordinator_client.get(f"/accreditation/events/{over_cap.pk}/").text
    assert "Too many meeting IDs: correct the configuration." in event_page
    assert "It lists 4 PE Meeting IDs and may list 3: it makes no awards until corrected." in event_page
    assert TOO_MANY in coordinator_client.get(f"/accreditation/courses/{over_cap.course_id}/").text
    template_page = coordinator_client.get(f"/accreditation/templates/{over_cap.course.template_id}/").text
    assert "1 event has too many meeting IDs: correct the configuration." in template_page
    assert f'href="/accreditation/events/{over_cap.pk}/"' in template_page


def test_an_event_at_the_cap_makes_its_awards_and_no_page_complains(over_cap, coordinator_client):
    EventAccreditation.objects.filter(event=over_cap).update(pe_meeting_ids=["101", "102", "103"])
    attended(over_cap)

    assert Award.objects.count() == 3
    assert not selectors.events_over_meeting_cap(template=over_cap.course.template).exists()
    assert TOO_MANY not in coordinator_client.get(f"/accreditation/courses/{over_cap.course_id}/").text
    assert "Too many meeting IDs" not in coordinator_client.get(f"/accreditation/events/{over_cap.pk}/").text


def test_its_earlier_awards_are_not_withdrawn_by_another_change_meanwhile(over_cap):
    """Made before the cap: a change elsewhere on the template still counts them as covered."""
    award = AwardFactory(course=over_cap.course, activity=over_cap.activity, event=over_cap, trigger=Award.EVENT,
                         pe_type=1, pe_course_id="1001", pe_edition_id="10011", pe_meeting_id="104")
    config = TemplateAccreditation.objects.get(template=over_cap.course.template)

    change = selectors.configuration_change(config)

    assert (change.withdraw, change.supersede) == (0, 0)
    assert award in Award.objects.filter(pk=award.pk, status=Award.DUE)


def test_the_pages_say_so_in_dutch(over_cap, coordinator_client):
    event_page = coordinator_client.get(f"/accreditation/events/{over_cap.pk}/", HTTP_ACCEPT_LANGUAGE="nl").text
    assert "Het noemt 4 PE-bijeenkomst-ID's en mag er 3 noemen" in event_page
    template_page = coordinator_client.get(f"/accreditation/templates/{over_cap.course.template_id}/",
                                           HTTP_ACCEPT_LANGUAGE="nl").text
    assert "1 evenement heeft te veel bijeenkomst-ID's: corrigeer de configuratie." in template_page
