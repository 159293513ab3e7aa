"""Awards follow PE configuration changes (issue 18, section 2): a change is previewed, saved only once
confirmed and audited; awards under PE IDs that no longer apply are withdrawn (not yet accepted) or listed as
accepted under earlier PE IDs, never sent again by themselves; new awards come from the background job."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accreditation.models import AccreditationType, Assessment, Award, AwardBasis, TemplateAccreditation
from accreditation.services import (
    award_resend_under_new_ids, awards_claimable, awards_rules_rerun_start, certificate_accreditation_save,
    configuration_preview, course_accreditation_save, event_accreditation_save, template_accreditation_save)
from portal.models import AuditEvent
from portal.services import learner_create
from subscriptions.models import ActivityResult, Subscription
from tests.accreditation.factories import AwardFactory
from tests.factories import ActivityFactory, CourseFactory, EventFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
DONE = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
CHANGES = ("withdraw", "make", "supersede")


def learner(external_id: str, custom1: str):
    return learner_create(data={"external_id": external_id, "first_name": "Anna", "last_name": "Jansen",
                                "custom1": custom1})[0]


def result(learner, course, activity):
    """A stored result; the rules job reads these again after a change."""
    subscription = (Subscription.objects.filter(learner=learner, course=course).first()
                    or SubscriptionFactory(learner=learner, course=course))
    ActivityResult.objects.create(subscription=subscription, activity=activity, completed=True, complete_date=DONE)


@pytest.fixture
def save(django_capture_on_commit_callbacks):
    """Each save with the background job it starts (the rules over stored results) run once it commits."""
    def save(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return save


@pytest.fixture
def ledger(save):
    """A template awarding on its completing activity (PE Course 8001): Anna due, Bob blocked (no PE number),
    Carla accepted."""
    course = CourseFactory()
    completing = ActivityFactory(template=course.template, name="Final lesson")
    save(template_accreditation_save, template=course.template, data={
        "basis": AwardBasis.COMPLETION, "type": AccreditationType.EXPERTISE, "completing_activity": completing,
        "pe_course_id": "8001"})
    people = {"anna": learner("L-anna", "19/39054148101"), "bob": learner("L-bob", ""),
              "carla": learner("L-carla", "19/59059671101")}
    for person in people.values():
        result(person, course, completing)
    save(template_accreditation_save, template=course.template, data={})  # the job makes the awards
    Award.objects.filter(learner=people["carla"]).update(status=Award.ACCEPTED)
    return course, completing, people


def statuses(**filters):
    return sorted(Award.objects.filter(**filters).values_list("learner__external_id", "pe_course_id", "status"))


def test_a_pe_id_changed_on_a_template_withdraws_open_awards_lists_accepted_ones_and_makes_new(ledger, save):
    course, completing, _people = ledger
    assert statuses() == [("L-anna", "8001", Award.DUE), ("L-bob", "8001", Award.BLOCKED),
                          ("L-carla", "8001", Award.ACCEPTED)]

    save(template_accreditation_save, template=course.template, data={"pe_course_id": "8002"})

    change = AuditEvent.objects.filter(action="accreditation.template_save").latest("id")
    assert change.changes["pe_course_id"] == {"before": "8001", "after": "8002"}
    assert statuses(pe_course_id="8001") == [("L-anna", "8001", Award.WITHDRAWN), ("L-bob", "8001", Award.WITHDRAWN),
                                             ("L-carla", "8001", Award.SUPERSEDED)]
    assert set(Award.objects.filter(pe_course_id="8001").values_list("configuration_event", flat=True)) == {change.pk}
    assert "no longer apply" in Award.objects.get(pe_course_id="8001", learner__external_id="L-anna").message
    # Carla's points are in PE-online already: nothing under the new ID until the coordinator decides.
    assert statuses(pe_course_id="8002") == [("L-anna", "8002", Award.DUE), ("L-bob", "8002", Award.BLOCKED)]
    assert list(awards_claimable().values_list("pe_course_id", flat=True)) == ["8002"]


def test_switching_the_award_basis_is_a_configuration_change(ledger, save):
    course, completing, people = ledger
    certificate = ActivityFactory(template=course.template, type="Certificate", sub_type="Certificate")
    result(people["anna"], course, certificate)
    save(template_accreditation_save, template=course.template, data={"basis": AwardBasis.CERTIFICATE,
                                                                "completing_activity": None, "pe_course_id": ""})
    save(certificate_accreditation_save, activity=certificate, data={"pe_course_id": "8001"})

    assert not Award.objects.filter(trigger=Award.COMPLETION).exclude(status__in=Award.RETIRED).exists()
    assert list(Award.objects.filter(trigger=Award.CERTIFICATE).values_list("learner__external_id", "status")) == [
        ("L-anna", Award.DUE)]


@pytest.fixture
def event_ledger(save):
    """Accreditation per event, meeting 100111 on attendance: Anna due, Carla accepted."""
    course = CourseFactory()
    TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.EVENT,
                                         type=AccreditationType.EVENTS_PER_EVENT)
    event = EventFactory(course=course)
    save(event_accreditation_save, event=event, data={"pe_meeting_ids": ["100111"], "pe_course_id": "1001",
                                                "pe_edition_id": "10011", "assessment": Assessment.ATTENDANCE})
    anna, carla = learner("L-anna", "19/39054148101"), learner("L-carla", "19/59059671101")
    result(anna, course, event.activity)
    result(carla, course, event.activity)
    save(event_accreditation_save, event=event, data={})
    Award.objects.filter(learner=carla).update(status=Award.ACCEPTED)
    return event


def meetings():
    return sorted(Award.objects.values_list("learner__external_id", "pe_meeting_id", "status"))


def test_a_corrected_event_meeting_id_withdraws_the_old_meeting(event_ledger, save):
    save(event_accreditation_save, event=event_ledger, data={"pe_meeting_ids": ["100119"]})

    assert meetings() == [("L-anna", "100111", Award.WITHDRAWN), ("L-anna", "100119", Award.DUE),
                          ("L-carla", "100111", Award.SUPERSEDED)]


def test_an_event_switched_to_no_assessment_sends_nothing_made_before(event_ledger, save):
    save(event_accreditation_save, event=event_ledger, data={"assessment": Assessment.NONE})

    assert meetings() == [("L-anna", "100111", Award.WITHDRAWN), ("L-carla", "100111", Award.SUPERSEDED)]
    assert not awards_claimable().exists()


def test_the_preview_shows_the_counts_and_nothing_changes_without_confirmation(ledger, coordinator_client,
                                                                              django_capture_on_commit_callbacks):
    course, completing, _people = ledger
    url = f"/accreditation/templates/{course.template.pk}/"
    form = {"basis": AwardBasis.COMPLETION, "type": AccreditationType.EXPERTISE, "completing_activity": completing.pk,
            "pe_course_id": "8002"}
    before = (statuses(), AuditEvent.objects.count())

    page = coordinator_client.post(url, form).text

    counts = {name: page.split(f'data-count="{name}">')[1].split("<")[0] for name in CHANGES}
    assert counts == {"withdraw": "2", "make": "2", "supersede": "1"}
    assert 'name="confirm"' in page
    assert (statuses(), AuditEvent.objects.count()) == before
    assert TemplateAccreditation.objects.get().pe_course_id == "8001"

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, {**form, "confirm": "1"})

    assert response.status_code == 302
    assert TemplateAccreditation.objects.get().pe_course_id == "8002"
    assert statuses(pe_course_id="8002") == [("L-anna", "8002", Award.DUE), ("L-bob", "8002", Award.BLOCKED)]


@pytest.mark.parametrize("settling", [Award.SENDING, Award.UNKNOWN])
def test_a_configuration_change_is_refused_while_an_award_is_sending_or_unknown(ledger, coordinator_client, settling):
    course, completing, people = ledger
    Award.objects.filter(learner=people["anna"]).update(status=settling)
    url = f"/accreditation/templates/{course.template.pk}/"
    assert 'id="settling"' in coordinator_client.get(url).text

    page = coordinator_client.post(url, {"basis": AwardBasis.COMPLETION, "type": AccreditationType.EXPERTISE,
                                         "completing_activity": completing.pk, "pe_course_id": "8002",
                                         "confirm": "1"}).text

    assert "settle it before changing the PE configuration" in page
    assert TemplateAccreditation.objects.get().pe_course_id == "8001"
    assert not Award.objects.filter(status__in=Award.RETIRED).exists()


def test_resend_under_new_ids_one_and_in_bulk_is_audited(ledger, save, coordinator_client):
    course, completing, people = ledger
    dora = learner("L-dora", "52/123456")
    result(dora, course, completing)
    save(template_accreditation_save, template=course.template, data={})
    Award.objects.filter(learner=dora).update(status=Award.ACCEPTED)
    save(template_accreditation_save, template=course.template, data={"pe_course_id": "8002"})
    carla = Award.objects.get(learner=people["carla"], status=Award.SUPERSEDED)

    assert award_resend_under_new_ids(award=carla) == 1
    assert award_resend_under_new_ids(award=carla) == 0  # made already: never twice

    again = Award.objects.get(learner=people["carla"], pe_course_id="8002")
    assert (again.status, again.org_id, again.person_number, again.end_date) == (Award.DUE, 19, "59059671101", DONE)
    event = AuditEvent.objects.get(action="award.resend_new_ids", object_id=str(carla.pk))
    assert str(again.pk) in event.summary

    response = coordinator_client.post(f"/accreditation/templates/{course.template.pk}/resend-new-ids/")

    assert response.status_code == 302
    assert Award.objects.get(learner=dora, pe_course_id="8002").status == Award.DUE
    assert AuditEvent.objects.filter(action="award.resend_new_ids").count() == 2
    assert Award.objects.filter(status=Award.SUPERSEDED).count() == 2  # still listed: settled in PE-online


def test_the_preview_costs_the_same_queries_however_many_awards(ledger):
    """Counted per group of equal PE IDs, never per award: the web request loads no award rows."""
    course, completing, _people = ledger
    config = TemplateAccreditation.objects.get()
    with CaptureQueriesContext(connection) as few:
        configuration_preview(config, {"pe_course_id": "8002"})
    AwardFactory.create_batch(40, course=course, activity=completing, pe_course_id="8001")

    with CaptureQueriesContext(connection) as many:
        change = configuration_preview(config, {"pe_course_id": "8002"})

    assert len(many) == len(few)
    assert (change.withdraw, change.supersede) == (42, 1)


def test_each_basis_requires_what_it_needs_and_nothing_else(coordinator_client):
    course = CourseFactory()
    lesson = ActivityFactory(template=course.template)
    url = f"/accreditation/templates/{course.template.pk}/"

    response = coordinator_client.post(url, {"basis": AwardBasis.CERTIFICATE, "type": AccreditationType.EXPERTISE,
                                             "completing_activity": lesson.pk, "pe_course_id": "8001",
                                             "confirm": "1"})

    assert response.status_code == 302  # no completing activity or Course ID needed, and none kept
    config = TemplateAccreditation.objects.get()
    assert (config.basis, config.completing_activity, config.pe_course_id) == (AwardBasis.CERTIFICATE, None, "")

    page = coordinator_client.post(url, {"basis": AwardBasis.EVENT, "type": AccreditationType.EXPERTISE}).text
    assert "This accreditation type is not awarded on this basis" in page
    page = coordinator_client.post(url, {"basis": AwardBasis.COMPLETION, "type": AccreditationType.EXPERTISE}).text
    assert page.count("Required for this accreditation type.") == 2  # the activity and the Course ID


def test_awards_made_under_the_old_ids_while_the_change_was_saved_are_withdrawn_by_the_job(ledger, save):
    course, completing, people = ledger
    save(template_accreditation_save, template=course.template, data={"pe_course_id": "8002"})
    change = AuditEvent.objects.filter(action="accreditation.template_save").latest("id")
    late = AwardFactory(learner=people["anna"], course=course, activity=completing, pe_course_id="8001", org_id=52)

    save(awards_rules_rerun_start, template=course.template, configuration_event=change)

    late.refresh_from_db()
    assert (late.status, late.configuration_event_id) == (Award.WITHDRAWN, change.pk)


def test_a_corrected_course_edition_id_withdraws_the_old_edition(save):
    """Accreditation of the total: the course carries Course + Edition ID; correcting it is a change too."""
    course = CourseFactory()
    completing = ActivityFactory(template=course.template)
    TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.COMPLETION,
                                         type=AccreditationType.EVENTS_TOTAL, completing_activity=completing)
    save(course_accreditation_save, course=course, data={"pe_course_id": "4001", "pe_edition_id": "40011"})
    result(learner("L-anna", "19/39054148101"), course, completing)
    save(course_accreditation_save, course=course, data={})

    save(course_accreditation_save, course=course, data={"pe_edition_id": "40012"})

    assert sorted(Award.objects.values_list("pe_type", "pe_edition_id", "status")) == [
        (4, "40011", Award.WITHDRAWN), (4, "40012", Award.DUE)]
