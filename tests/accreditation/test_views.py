"""The coordinator's pages: configuration per accreditation type, awards list, award page, learner panel."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accreditation.models import AccreditationType, Award, EventAccreditation, TemplateAccreditation
from portal.models import AuditEvent
from tests.accreditation.factories import AwardFactory
from tests.factories import ActivityFactory, CourseFactory, EventFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def test_e_learning_needs_course_and_module_id(coordinator_client):
    template = TemplateFactory()
    lesson = ActivityFactory(template=template)
    url = f"/accreditation/templates/{template.pk}/"

    response = coordinator_client.post(url, {"basis": "completion", "type": AccreditationType.ELEARNING,
                                             "completing_activity": lesson.pk, "pe_course_id": "9471"})
    assert response.status_code == 200 and "Required for this accreditation type." in response.text
    assert not TemplateAccreditation.objects.exists()

    response = coordinator_client.post(url, {"basis": "completion", "type": AccreditationType.ELEARNING,
                                             "completing_activity": lesson.pk, "pe_course_id": "9471",
                                             "pe_module_id": "Module_A", "org_id": "19", "confirm": "1"})
    assert response.status_code == 302
    config = TemplateAccreditation.objects.get()
    assert (config.pe_type, config.pe_module_id, config.org_id) == (2, "Module_A", 19)
    event = AuditEvent.objects.get(action="accreditation.template_save")
    assert event.changes["pe_module_id"] == {"before": None, "after": "Module_A"}


def test_an_event_takes_several_meeting_ids_and_an_assessment(coordinator_client):
    event = EventFactory()
    url = f"/accreditation/events/{event.pk}/"

    response = coordinator_client.post(url, {"meetings": "100111, 100112", "pe_course_id": "1001",
                                             "pe_edition_id": "10011", "assessment": "score"})
    assert "Required for this accreditation type." in response.text  # the threshold

    coordinator_client.post(url, {"meetings": "100111, 100112", "pe_course_id": "1001", "pe_edition_id": "10011",
                                  "assessment": "score", "threshold": "70", "confirm": "1"})
    assert EventAccreditation.objects.get().pe_meeting_ids == ["100111", "100112"]
    assert "100111, 100112" in coordinator_client.get(url).text


def test_a_certificate_needs_the_template_basis_certificates_first(coordinator_client):
    certificate = ActivityFactory(type="Certificate", sub_type="Certificate")
    response = coordinator_client.post(f"/accreditation/certificates/{certificate.pk}/", {"pe_course_id": "8001"})
    assert "set the template&#x27;s PE configuration first" in response.text


def test_the_course_page_checks_course_and_edition(coordinator_client):
    course = CourseFactory()
    response = coordinator_client.post(f"/accreditation/courses/{course.pk}/", {"pe_course_id": "4001"})
    assert "Required for this accreditation type." in response.text


def test_the_awards_list_counts_per_status_filters_and_draws_the_weekly_chart(coordinator_client):
    AwardFactory(status=Award.ACCEPTED)
    AwardFactory(status=Award.REJECTED, org_id=52, message="100: Professional 1 op regel 2 bestaat niet in PE")
    AwardFactory(status=Award.BLOCKED, person_number="")

    page = coordinator_client.get("/accreditation/").text
    assert page.count('data-status="rejected"') >= 2  # the count pill and the row
    assert '<rect class="chart-accepted"' in page and '<rect class="chart-blocked"' in page

    filtered = coordinator_client.get("/accreditation/?org_id=52&per_page=100000").text
    assert "bestaat niet in PE" in filtered and filtered.count("<tr data-status=") == 1


def test_the_weekly_chart_is_counted_at_most_once_a_minute(coordinator_client):
    AwardFactory(status=Award.ACCEPTED)
    first = coordinator_client.get("/accreditation/")
    assert "(1 in all)" in first.text
    AwardFactory(status=Award.ACCEPTED)

    with CaptureQueriesContext(connection) as again:
        second = coordinator_client.get("/accreditation/")

    # The list is current; the chart is the minute-old count, read without counting again.
    assert second.text.count("<tr data-status=") == 2 and "(1 in all)" in second.text
    assert not [q for q in again.captured_queries if "_TRUNC(" in q["sql"].upper()]


def test_the_award_page_shows_the_line_sent_and_the_answer(coordinator_client):
    award = AwardFactory(status=Award.REJECTED, sent_xml="<Attendance><PECourseID>8001</PECourseID></Attendance>",
                         answer="100: Cursus 8001 op regel 2 bestaat niet in PE", sent_at=timezone.now())

    page = coordinator_client.get(award.get_absolute_url()).text
    assert "&lt;PECourseID&gt;8001&lt;/PECourseID&gt;" in page and "op regel 2" in page and "Resend" in page


def test_the_learner_page_shows_the_learners_awards(coordinator_client):
    award = AwardFactory(status=Award.ACCEPTED, pe_course_id="8001")
    page = coordinator_client.get(award.learner.get_absolute_url()).text
    assert 'id="learner-awards"' in page and "8001" in page and "accepted" in page


def test_submit_now_runs_a_job_that_sends_the_due_awards(coordinator_client, pe_online,
                                                          django_capture_on_commit_callbacks):
    award = AwardFactory(pe_course_id="8001", end_date=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/accreditation/submit/")

    job_page = coordinator_client.get(response["Location"]).text
    assert Award.objects.get(pk=award.pk).status == Award.ACCEPTED
    assert "Submit due awards to PE-online" in job_page


def test_without_pe_online_the_page_says_so_and_offers_no_submit(coordinator_client):
    page = coordinator_client.get("/accreditation/").text
    assert "PE-online is not configured" in page and "Submit due awards now" not in page


def test_the_awards_list_pages_only_from_a_fixed_set_of_sizes(coordinator_client):
    AwardFactory.create_batch(30)
    assert coordinator_client.get("/accreditation/?per_page=100000").text.count("<tr data-status=") == 25
    assert coordinator_client.get("/accreditation/?per_page=50").text.count("<tr data-status=") == 30
