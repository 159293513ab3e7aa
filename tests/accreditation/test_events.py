"""Events coordinators record on a course: create, edit, delete, the PE Meeting ID cap, and awards from them."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from accreditation.models import AccreditationType, Assessment, Award, AwardBasis, EventAccreditation
from accreditation.services import event_accreditation_save
from portal.models import AuditEvent, Event
from portal.services import learner_create
from subscriptions.models import ActivityResult
from subscriptions.signals import activity_results_changed
from tests.accreditation.factories import AwardFactory
from tests.factories import ActivityFactory, CourseFactory, EventFactory
from tests.portal.test_settings import PRODUCTION, manage
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
DONE = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


@pytest.fixture
def course():
    return CourseFactory()


@pytest.fixture
def skills_day(course):
    """The template's event activity."""
    return ActivityFactory(template=course.template, name="Skills day", external_id="SKILLS-DAY", type="Event",
                           sub_type="Event")


def event_data(activity, **changes):
    return {"name": "Skills day Utrecht", "date": "2026-03-02", "end_time": "16:30", "location": "Utrecht",
            "activity": activity.pk, "external_id": "EVT-UTR-1", **changes}


def test_an_event_created_on_a_course_with_two_meeting_ids_and_attendance_makes_two_type_1_awards(
        coordinator_client, course, skills_day, django_capture_on_commit_callbacks):
    response = coordinator_client.post(f"/accreditation/courses/{course.pk}/events/add/", event_data(skills_day))
    event = Event.objects.get()
    assert response["Location"] == f"/accreditation/events/{event.pk}/"
    assert (event.course, event.date, event.end_time, event.location) == (course, date(2026, 3, 2), time(16, 30),
                                                                          "Utrecht")
    assert AuditEvent.objects.get(action="event.create").course == course

    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(f"/accreditation/templates/{course.template_id}/", {
            "basis": AwardBasis.EVENT, "type": AccreditationType.EVENTS_PER_EVENT, "confirm": "1"})
        coordinator_client.post(f"/accreditation/events/{event.pk}/", {
            "meetings": "100111, 100112", "pe_course_id": "1001", "pe_edition_id": "10011",
            "assessment": Assessment.ATTENDANCE, "confirm": "1"})
    anna = learner_create(data={"external_id": "L-1", "first_name": "Anna", "last_name": "Jansen",
                                "custom1": "19/39054148101"})[0]
    subscription = SubscriptionFactory(learner=anna, course=course)
    row = ActivityResult.objects.create(subscription=subscription, activity=skills_day, completed=True,
                                        complete_date=DONE)
    activity_results_changed.send(sender=type(subscription), subscription=subscription, changed=[row])

    awards = Award.objects.order_by("pe_meeting_id")
    assert [(a.pe_type, a.trigger, a.event, a.pe_meeting_id, a.person_number) for a in awards] == [
        (1, Award.EVENT, event, "100111", "39054148101"), (1, Award.EVENT, event, "100112", "39054148101")]
    assert "Skills day Utrecht" in coordinator_client.get(f"/accreditation/courses/{course.pk}/").text
    assert "Skills day Utrecht" in coordinator_client.get(f"/accreditation/templates/{course.template_id}/").text


def test_only_the_course_templates_event_activities_are_offered(coordinator_client, course, skills_day):
    lesson = ActivityFactory(template=course.template, type="Lesson", sub_type="Lesson")
    elsewhere = ActivityFactory(type="Event", sub_type="Event")
    page = coordinator_client.get(f"/accreditation/courses/{course.pk}/events/add/").text
    assert "Skills day" in page and lesson.name not in page and elsewhere.name not in page

    for activity in (lesson, elsewhere):
        response = coordinator_client.post(f"/accreditation/courses/{course.pk}/events/add/", event_data(activity))
        assert response.status_code == 200 and "Select a valid choice" in response.text
    assert not Event.objects.exists()


def test_the_external_id_is_unique_per_course(coordinator_client, course, skills_day):
    EventFactory(course=course, activity=skills_day, external_id="EVT-UTR-1")
    EventFactory(external_id="EVT-UTR-2")  # another course's
    url = f"/accreditation/courses/{course.pk}/events/add/"
    assert "Another event of this course has this external ID." in coordinator_client.post(url, event_data(skills_day)).text
    assert coordinator_client.post(url, event_data(skills_day, external_id="EVT-UTR-2")).status_code == 302


def test_an_event_is_edited_and_the_change_audited(coordinator_client, course, skills_day):
    event = EventFactory(course=course, activity=skills_day, name="Skills day")
    response = coordinator_client.post(f"/accreditation/events/{event.pk}/edit/",
                                       event_data(skills_day, external_id=event.external_id, location="Zwolle"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.name, event.location) == ("Skills day Utrecht", "Zwolle")
    assert AuditEvent.objects.get(action="event.update").changes["location"] == {"before": "", "after": "Zwolle"}


def test_a_control_character_in_an_event_is_refused(coordinator_client, course, skills_day):
    response = coordinator_client.post(f"/accreditation/courses/{course.pk}/events/add/",
                                       event_data(skills_day, name="Skills\x01day"))
    assert response.status_code == 200 and "control character U+0001" in response.text
    assert not Event.objects.exists()


def test_an_event_is_not_deleted_while_an_award_refers_to_it(coordinator_client, course, skills_day):
    event = EventFactory(course=course, activity=skills_day)
    EventAccreditation.objects.create(event=event, pe_meeting_ids=["100111"])
    award = AwardFactory(course=course, activity=skills_day, event=event, trigger=Award.EVENT, pe_type=1)

    response = coordinator_client.post(f"/accreditation/events/{event.pk}/delete/", follow=True)
    assert "An award refers to this event, so it cannot be deleted." in response.text
    assert Event.objects.filter(pk=event.pk).exists()
    assert not AuditEvent.objects.filter(action="event.delete").exists()

    award.delete()
    response = coordinator_client.post(f"/accreditation/events/{event.pk}/delete/")
    assert response["Location"] == f"/accreditation/courses/{course.pk}/"
    assert not Event.objects.exists() and not EventAccreditation.objects.exists()
    assert AuditEvent.objects.get(action="event.delete").object_id == str(event.pk)


def test_more_meeting_ids_than_the_cap_are_refused_with_a_clear_message(coordinator_client, settings):
    settings.PE_ONLINE_MAX_MEETING_IDS = 3
    event = EventFactory()
    data = {"pe_course_id": "1001", "pe_edition_id": "10011", "assessment": Assessment.ATTENDANCE}

    response = coordinator_client.post(f"/accreditation/events/{event.pk}/", {**data, "meetings": "1, 2, 3, 4"})
    assert "An event has at most 3 PE Meeting IDs; this one lists 4." in response.text
    assert not EventAccreditation.objects.exists()
    response = coordinator_client.post(f"/accreditation/events/{event.pk}/", {**data, "meetings": "1, 2, 3", "confirm": "1"})
    assert response.status_code == 302


def test_the_cap_holds_for_the_service_too(settings):
    """The POST of 200,000 IDs made 198,000 awards: whatever calls the service, the cap stands (default 20)."""
    event = EventFactory()
    with pytest.raises(ValidationError, match="at most 20 PE Meeting IDs; this one lists 200000"):
        event_accreditation_save(event=event, data={"pe_meeting_ids": [str(n) for n in range(200_000)],
                                                    "pe_course_id": "1001", "pe_edition_id": "10011",
                                                    "assessment": Assessment.ATTENDANCE})
    assert not EventAccreditation.objects.exists()


@pytest.mark.parametrize("value, message", [("0", "PE_ONLINE_MAX_MEETING_IDS must be a positive number"),
                                            ("twenty", "invalid literal")])
def test_a_bad_cap_stops_the_start(value, message):
    result = manage("check", **{**PRODUCTION, "PE_ONLINE_MAX_MEETING_IDS": value})
    assert result.returncode != 0 and message in result.stderr


def test_a_superuser_changes_an_event_in_the_admin_audited(admin_client_, course, skills_day):
    event = EventFactory(course=course, activity=skills_day)
    response = admin_client_.post(f"/admin/portal/event/{event.pk}/change/", {
        "course": course.pk, "activity": skills_day.pk, "external_id": event.external_id, "name": "Renamed",
        "date": "2026-04-01", "end_time": "", "location": ""})
    assert response.status_code == 302
    assert Event.objects.get().name == "Renamed"
    assert AuditEvent.objects.filter(action="event.admin_update", object_id=str(event.pk)).exists()
