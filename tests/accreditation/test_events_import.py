"""The events CSV import: checked in a job (the preview, row by row), imported in another once confirmed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accreditation import events
from accreditation.models import EventAccreditation
from portal.models import AuditEvent, Event, Job
from tests.factories import ActivityFactory, CourseFactory, EventFactory

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = (
    "Name;Date;EndTime;Location;Activity;ExternalID;PEMeetingIDs\n"
    "Skills day Utrecht;2026-03-02;16:30;Utrecht;SKILLS-DAY;EVT-1;100111, 100112\n"
    "Skills day Zwolle;09-03-2026;;Zwolle;skills day;EVT-2;100113\n"
    "Skills day Breda;2026-02-30;25:00;Breda;Intro lesson;EVT-1;7 7\n"
    "Taken;2026-04-01;;;SKILLS-DAY;EVT-OLD;\n"
)


@pytest.fixture
def course():
    course = CourseFactory()
    ActivityFactory(template=course.template, name="Skills day", external_id="SKILLS-DAY", type="Event",
                    sub_type="Event")
    ActivityFactory(template=course.template, name="Intro lesson", type="Lesson", sub_type="Lesson")
    return course


def upload(client, course, text: str, name="events.csv"):
    return client.post(f"/accreditation/courses/{course.pk}/events/import/",
                       {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")})


def test_the_preview_lists_row_errors_then_the_valid_rows_are_imported_once_confirmed(
        coordinator_client, course, django_capture_on_commit_callbacks):
    EventFactory(course=course, activity=course.template.activities.get(type="Event"), external_id="EVT-OLD")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(coordinator_client, course, GOOD_AND_BAD)
    preview_url = response["Location"]
    page = coordinator_client.get(preview_url).text
    assert "2 rows have errors." in page
    for error in ("Date: &#x27;2026-02-30&#x27; is not a date", "EndTime: &#x27;25:00&#x27; is not a time",
                  "Activity: &#x27;Intro lesson&#x27; is no event activity", "Another row of the file has this external ID",
                  "PEMeetingIDs: A meeting ID is listed twice", "The course has an event with this external ID already"):
        assert error in page
    assert Event.objects.count() == 1  # nothing written yet
    assert "text" not in Job.objects.get(kind="event_import_preview").params  # the file is not kept

    confirm_url = f"{preview_url}confirm/"
    response = coordinator_client.post(confirm_url, follow=True)
    assert "2 rows have errors, so nothing was imported." in response.text
    assert Event.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(confirm_url, {"valid_only": "on"})
    utrecht, zwolle = Event.objects.exclude(external_id="EVT-OLD").order_by("external_id")
    assert (utrecht.name, str(utrecht.date), str(utrecht.end_time), utrecht.activity.name) == (
        "Skills day Utrecht", "2026-03-02", "16:30:00", "Skills day")
    assert str(zwolle.date) == "2026-03-09" and zwolle.end_time is None
    assert utrecht.accreditation.pe_meeting_ids == ["100111", "100112"]
    assert zwolle.accreditation.pe_meeting_ids == ["100113"]
    assert AuditEvent.objects.filter(action="event.create", course=course).count() == 2
    assert "2 events created;" in coordinator_client.get(preview_url).text

    response = coordinator_client.post(confirm_url, {"valid_only": "on"}, follow=True)
    assert "This import has been confirmed already." in response.text
    assert Event.objects.count() == 3


def test_more_meeting_ids_than_the_cap_is_a_row_error(coordinator_client, course, settings,
                                                      django_capture_on_commit_callbacks):
    settings.PE_ONLINE_MAX_MEETING_IDS = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(coordinator_client, course, "Name,Date,Activity,ExternalID,PEMeetingIDs\n"
                                                      "Day,2026-03-02,SKILLS-DAY,E1,\"1,2,3\"\n")
    page = coordinator_client.get(response["Location"]).text
    assert "PEMeetingIDs: An event has at most 2 PE Meeting IDs; this one lists 3." in page
    assert not EventAccreditation.objects.exists()


def test_a_control_character_in_a_cell_is_a_row_error(coordinator_client, course,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(coordinator_client, course, "Name,Date,Activity,ExternalID,Location\n"
                                                      "Day\u200f,2026-03-02,SKILLS-DAY,E1,Zwolle\u202e\n")
    page = coordinator_client.get(response["Location"]).text
    assert "Name: contains the invisible or control character U+200F" in page
    assert "Location: contains the invisible or control character U+202E" in page
    # ESC and the other C0 controls make the file binary: refused whole, as the learner import refuses it.
    refused = upload(coordinator_client, course, "Name,Date,Activity,ExternalID\nDay\x1b[2J,2026-03-02,SKILLS-DAY,E2\n")
    assert "it holds binary data" in refused.text
    assert not Event.objects.exists()


@pytest.mark.parametrize("text, message", [
    ("Name;Date;ExternalID\nDay;2026-03-02;E1\n", "The file has no column Activity"),
    ("Name;Date;Activity;ExternalID\n", "The file has a header row but no events."),
])
def test_a_bad_file_fails_its_check_with_a_clear_message(coordinator_client, course, text, message,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(coordinator_client, course, text)
    page = coordinator_client.get(response["Location"]).text
    assert "The file cannot be imported" in page and message in page
    assert not Event.objects.exists()


def test_the_file_is_bounded_in_rows_and_size(coordinator_client, course, django_capture_on_commit_callbacks):
    header = "Name;Date;Activity;ExternalID\n"
    rows = "".join(f"Day {n};2026-03-02;SKILLS-DAY;E{n}\n" for n in range(events.IMPORT_MAX_ROWS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(coordinator_client, course, header + rows)
    assert "The file has more than 500 events" in coordinator_client.get(response["Location"]).text

    response = upload(coordinator_client, course, header + rows + "x" * events.IMPORT_MAX_BYTES)
    assert response.status_code == 200 and "over the limit of 256.0\xa0KB" in response.text
    assert Job.objects.filter(kind="event_import_preview").count() == 1
    assert not Event.objects.exists()


def test_the_row_errors_are_in_the_language_of_the_coordinator_who_uploaded(course, coordinator,
                                                                             django_capture_on_commit_callbacks):
    """The check runs later, in a worker speaking English; a Dutch coordinator still reads Dutch errors."""
    text = "Name;Date;Activity;ExternalID\nDay;2026-02-30;SKILLS-DAY;E1\n"
    with django_capture_on_commit_callbacks(execute=True):
        with translation.override("nl"):
            job = events.event_import_start(course=course, upload=SimpleUploadedFile("e.csv", text.encode()),
                                            user=coordinator)
    job.refresh_from_db()
    assert job.result["rows"][0]["errors"] == ["Date: '2026-02-30' is geen datum (verwacht: jjjj-mm-dd)"]
