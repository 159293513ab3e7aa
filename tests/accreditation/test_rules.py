"""The three award rules, the registrations they go to, and that re-running them makes nothing twice."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import translation

from accreditation.models import (
    AccreditationType, Assessment, Award, AwardBasis, CertificateAccreditation, CourseAccreditation, EventAccreditation,
    TemplateAccreditation)
from accreditation.rules import awards_from_results
from accreditation.services import awards_rules_rerun
from portal.integrations import ResultPart
from portal.models import AuditEvent
from portal.services import learner_create, learner_update
from subscriptions.models import ActivityResult
from subscriptions.signals import activity_results_changed
from tests.factories import ActivityFactory, CourseFactory, EventFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
DONE = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def learner(custom1: str):
    return learner_create(data={"external_id": f"L-{custom1 or 'none'}", "first_name": "Anna", "last_name": "Jansen",
                                "custom1": custom1})[0]


def part(learner, course, activity, *, completed=True, passed=None, score=None) -> ResultPart:
    return ResultPart(learner_id=learner.pk, course_id=course.pk, activity_id=activity.pk, completed=completed,
                      passed=passed, score=score, completed_at=DONE)


@pytest.fixture
def course():
    return CourseFactory()


@pytest.fixture
def completing(course):
    return ActivityFactory(template=course.template, name="Final lesson")


def configure(course, completing, *, type=AccreditationType.EXPERTISE, org_id=None, **ids):
    return TemplateAccreditation.objects.create(template=course.template, type=type, completing_activity=completing,
                                                pe_course_id=ids.pop("pe_course_id", "8001"), org_id=org_id, **ids)


def per_event(course):
    return TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.EVENT,
                                                type=AccreditationType.EVENTS_PER_EVENT)


def by_certificates(course, *, type=AccreditationType.EXPERTISE):
    return TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.CERTIFICATE, type=type)


def test_completing_the_course_completing_activity_earns_a_due_award_with_the_completion_date(course, completing):
    configure(course, completing, type=AccreditationType.ELEARNING, pe_course_id="9471", pe_module_id="Module_A")
    anna = learner("19/39054148101")

    assert awards_from_results(parts=[part(anna, course, completing)]) == 1

    award = Award.objects.get()
    assert (award.status, award.org_id, award.person_number, award.pe_type) == (Award.DUE, 19, "39054148101", 2)
    assert (award.pe_course_id, award.pe_module_id, award.end_date) == ("9471", "Module_A", DONE)
    assert AuditEvent.objects.filter(action="award.create", learner=anna, system="pe_online").count() == 1


def test_other_or_unfinished_activities_earn_nothing(course, completing):
    configure(course, completing)
    anna = learner("19/39054148101")
    other = ActivityFactory(template=course.template)

    assert awards_from_results(parts=[part(anna, course, other), part(anna, course, completing, completed=False)]) == 0


def test_accreditation_of_the_total_takes_the_course_ids_and_sends_no_end_date(course, completing):
    configure(course, completing, type=AccreditationType.EVENTS_TOTAL, pe_course_id="")
    CourseAccreditation.objects.create(course=course, pe_course_id="4001", pe_edition_id="40011")
    anna = learner("19/39054148101")

    awards_from_results(parts=[part(anna, course, completing)])

    award = Award.objects.get()
    assert (award.pe_type, award.pe_course_id, award.pe_edition_id, award.end_date) == (4, "4001", "40011", None)


def test_an_event_set_to_no_assessment_sends_nothing(course):
    per_event(course)
    event = EventFactory(course=course)
    EventAccreditation.objects.create(event=event, pe_course_id="1001", pe_edition_id="10011",
                                      pe_meeting_ids=["100111"], assessment=Assessment.NONE)
    anna = learner("19/39054148101")

    assert awards_from_results(parts=[part(anna, course, event.activity, passed=True, score=Decimal(100))]) == 0


def test_an_attended_event_earns_an_award_per_meeting_id(course):
    per_event(course)
    event = EventFactory(course=course)
    EventAccreditation.objects.create(event=event, pe_course_id="1001", pe_edition_id="10011",
                                      pe_meeting_ids=["100111", "100112"], assessment=Assessment.ATTENDANCE)
    anna = learner("19/39054148101")

    awards_from_results(parts=[part(anna, course, event.activity)])

    assert sorted(Award.objects.values_list("pe_meeting_id", "pe_type", "end_date")) == [
        ("100111", 1, None), ("100112", 1, None)]


def test_a_scored_event_without_a_passed_flag_falls_back_on_the_threshold(course):
    per_event(course)
    event = EventFactory(course=course)
    EventAccreditation.objects.create(event=event, pe_course_id="1001", pe_edition_id="10011",
                                      pe_meeting_ids=["100111"], assessment=Assessment.SCORE, threshold=Decimal(70))
    below, above = learner("19/39054148101"), learner("19/59059671101")

    awards_from_results(parts=[part(below, course, event.activity, score=Decimal("69.5")),
                               part(above, course, event.activity, score=Decimal(70))])

    assert list(Award.objects.values_list("learner", flat=True)) == [above.pk]


def test_several_certificates_each_go_to_their_own_register(course):
    by_certificates(course)
    knmg = ActivityFactory(template=course.template, type="Certificate", sub_type="Certificate")
    venvn = ActivityFactory(template=course.template, type="Certificate", sub_type="Certificate")
    CertificateAccreditation.objects.create(activity=knmg, pe_course_id="8001", org_id=19)
    CertificateAccreditation.objects.create(activity=venvn, pe_course_id="7001", org_id=52)
    anna = learner("19/39054148101, 52/123456")

    awards_from_results(parts=[part(anna, course, knmg), part(anna, course, venvn)])

    assert sorted(Award.objects.filter(trigger=Award.CERTIFICATE).values_list("org_id", "person_number", "pe_course_id")) == [
        (19, "39054148101", "8001"), (52, "123456", "7001")]


def test_a_learner_with_two_registrations_gets_an_award_for_each_unless_the_configuration_names_one(course, completing):
    config = configure(course, completing)
    anna = learner("19/39054148101, 52/123456")

    awards_from_results(parts=[part(anna, course, completing)])
    assert sorted(Award.objects.values_list("org_id", flat=True)) == [19, 52]

    Award.objects.all().delete()
    config.org_id = 52
    config.save()
    awards_from_results(parts=[part(anna, course, completing)])
    assert list(Award.objects.values_list("org_id", "person_number")) == [(52, "123456")]


def test_no_matching_registration_blocks_the_award_until_custom1_is_corrected(course, completing):
    configure(course, completing, org_id=19)
    anna = learner("52/123456")

    awards_from_results(parts=[part(anna, course, completing)])
    award = Award.objects.get()
    assert (award.status, award.person_number) == (Award.BLOCKED, "")

    learner_update(learner=anna, data={"custom1": "52/123456, 19/39054148101"})

    award.refresh_from_db()
    assert (award.status, award.org_id, award.person_number) == (Award.DUE, 19, "39054148101")
    assert AuditEvent.objects.filter(action="award.registration_update", learner=anna).exists()


def test_a_blocked_award_without_register_becomes_one_per_registration(course, completing):
    configure(course, completing)
    anna = learner("")
    awards_from_results(parts=[part(anna, course, completing)])
    assert list(Award.objects.values_list("status", "org_id")) == [(Award.BLOCKED, 0)]

    learner_update(learner=anna, data={"custom1": "19/39054148101, 52/123456"})

    assert sorted(Award.objects.values_list("status", "org_id", "person_number")) == [
        (Award.DUE, 19, "39054148101"), (Award.DUE, 52, "123456")]


def test_rerunning_the_rules_or_a_repeated_delivery_makes_no_second_award(course, completing):
    configure(course, completing)
    anna = learner("19/39054148101")
    results = [part(anna, course, completing)]

    assert awards_from_results(parts=results) == 1
    assert awards_from_results(parts=results + results) == 0
    assert Award.objects.count() == 1
    award = Award.objects.get()
    award.pk = None
    with pytest.raises(IntegrityError):
        award.save()  # the database itself refuses a second one


def test_results_arrive_through_the_subscriptions_signal_and_rules_rerun_over_stored_results(course, completing):
    anna = learner("19/39054148101")
    subscription = SubscriptionFactory(learner=anna, course=course)
    row = ActivityResult.objects.create(subscription=subscription, activity=completing, completed=True,
                                        complete_date=DONE)

    activity_results_changed.send(sender=type(subscription), subscription=subscription, changed=[row])
    assert Award.objects.count() == 0  # not configured yet

    configure(course, completing)
    assert awards_rules_rerun(activity_ids=[completing.pk]) == 1
    activity_results_changed.send(sender=type(subscription), subscription=subscription, changed=[row])
    assert Award.objects.get().end_date == DONE


# --- one award basis per template (issue 18, section 1) ---------------------------------------------------------
def test_a_certificate_template_awards_once(course, completing):
    """A completing activity left in the configuration no longer earns a second attendance."""
    TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.CERTIFICATE,
                                         type=AccreditationType.EXPERTISE, completing_activity=completing,
                                         pe_course_id="8001")
    certificate = ActivityFactory(template=course.template, type="Certificate", sub_type="Certificate")
    CertificateAccreditation.objects.create(activity=certificate, pe_course_id="8001")
    anna = learner("19/39054148101")

    assert awards_from_results(parts=[part(anna, course, completing), part(anna, course, certificate)]) == 1
    assert list(Award.objects.values_list("trigger", "activity")) == [(Award.CERTIFICATE, certificate.pk)]


def test_a_completing_activity_template_awards_once(course, completing):
    configure(course, completing)
    certificate = ActivityFactory(template=course.template, type="Certificate", sub_type="Certificate")
    CertificateAccreditation.objects.create(activity=certificate, pe_course_id="8001")
    event = EventFactory(course=course)
    EventAccreditation.objects.create(event=event, pe_course_id="1001", pe_edition_id="10011",
                                      pe_meeting_ids=["100111"], assessment=Assessment.ATTENDANCE)
    anna = learner("19/39054148101")

    assert awards_from_results(parts=[part(anna, course, completing), part(anna, course, certificate),
                                      part(anna, course, event.activity)]) == 1
    assert list(Award.objects.values_list("trigger", flat=True)) == [Award.COMPLETION]


# --- rules as aNewSpring applies them (section 4) ------------------------------------------------------------
def test_score_threshold_events_follow_passed(course):
    """The threshold lives in aNewSpring: its passed flag decides, whatever the portal's own threshold says."""
    per_event(course)
    event = EventFactory(course=course)
    EventAccreditation.objects.create(event=event, pe_course_id="1001", pe_edition_id="10011",
                                      pe_meeting_ids=["100111"], assessment=Assessment.SCORE, threshold=Decimal(70))
    failed_high, passed_low = learner("19/39054148101"), learner("19/59059671101")

    awards_from_results(parts=[part(failed_high, course, event.activity, passed=False, score=Decimal(90)),
                               part(passed_low, course, event.activity, passed=True, score=Decimal(50))])

    assert list(Award.objects.values_list("learner", flat=True)) == [passed_low.pk]


def test_a_type_3_award_without_completion_time_waits_for_the_date(course, completing):
    from accreditation.services import awards_claimable

    configure(course, completing)
    anna = learner("19/39054148101")
    undated = ResultPart(learner_id=anna.pk, course_id=course.pk, activity_id=completing.pk, completed=True,
                         passed=None, score=None, completed_at=None)

    awards_from_results(parts=[undated])
    award = Award.objects.get()
    assert (award.status, award.person_number, award.end_date) == (Award.NO_DATE, "39054148101", None)
    assert "no completion date" in award.message and not awards_claimable().exists()

    awards_from_results(parts=[part(anna, course, completing)])  # a refresh brings the date

    award.refresh_from_db()
    assert (award.status, award.end_date, award.message) == (Award.DUE, DONE, "")
    assert Award.objects.count() == 1


def test_existing_configurations_get_the_basis_they_were_set_up_for():
    """The data migration: per event -> events; certificates with PE IDs -> certificates; else completion."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accreditation.migrations.0006_award_basis_and_configuration_changes")
    per_event, certified, plain = CourseFactory(), CourseFactory(), CourseFactory()
    TemplateAccreditation.objects.create(template=per_event.template, type=AccreditationType.EVENTS_PER_EVENT)
    TemplateAccreditation.objects.create(template=certified.template, type=AccreditationType.ELEARNING,
                                         pe_course_id="9471", pe_module_id="Module_A")
    certificate = ActivityFactory(template=certified.template, type="Certificate", sub_type="Certificate")
    CertificateAccreditation.objects.create(activity=certificate, pe_course_id="9471", pe_module_id="Module_A")
    TemplateAccreditation.objects.create(template=plain.template, type=AccreditationType.EXPERTISE, pe_course_id="8001")

    migration.choose_basis(apps, None)

    assert dict(TemplateAccreditation.objects.values_list("template", "basis")) == {
        per_event.template_id: AwardBasis.EVENT, certified.template_id: AwardBasis.CERTIFICATE,
        plain.template_id: AwardBasis.COMPLETION}


def test_an_award_made_while_dutch_is_active_is_logged_in_english(course, completing):
    configure(course, completing, type=AccreditationType.ELEARNING, pe_course_id="9471", pe_module_id="Module_A")
    anna = learner("19/39054148101")
    with translation.override("nl"):
        awards_from_results(parts=[part(anna, course, completing)])
    event = AuditEvent.objects.get(action="award.create", learner=anna)
    assert event.summary == "PE-online award (course completing activity): due"
