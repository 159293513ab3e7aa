"""Awards outside their template's award basis are never sent (issue 18 follow-up): the data migration only
set each template's basis, so a template moved to certificates still held its completion awards, due; sending
them would give the learners the points twice."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone

from accreditation import services
from accreditation.models import (
    AccreditationType, Award, AwardBasis, CertificateAccreditation, TemplateAccreditation)
from accreditation.rules import awards_from_results
from accreditation.services import (
    awards_claimable, awards_rules_rerun_start, awards_submit, template_accreditation_save)
from portal.integrations import ResultPart
from portal.models import AuditEvent, PERegistration
from tests.accreditation.factories import AwardFactory
from tests.factories import ActivityFactory, CourseFactory, LearnerFactory

pytestmark = pytest.mark.django_db
DONE = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


@pytest.fixture
def switched(django_capture_on_commit_callbacks):
    """A template configured on its completing activity with two due completion awards, one failed (its retry
    due), one blocked and one accepted; then its basis set to certificates by a direct update, as the data
    migration does."""
    course = CourseFactory()
    completing = ActivityFactory(template=course.template, name="Final lesson")
    with django_capture_on_commit_callbacks(execute=True):
        template_accreditation_save(template=course.template, data={
            "basis": AwardBasis.COMPLETION, "type": AccreditationType.EXPERTISE, "completing_activity": completing,
            "pe_course_id": "8001"})
    awards = {name: AwardFactory(course=course, activity=completing, learner=LearnerFactory(), pe_course_id="8001",
                                 end_date=DONE, status=status, next_attempt_at=timezone.now() if status == "failed"
                                 else None)
              for name, status in (("due", Award.DUE), ("due2", Award.DUE), ("failed", Award.FAILED),
                                   ("blocked", Award.BLOCKED), ("accepted", Award.ACCEPTED))}
    assert set(awards_claimable()) == {awards["due"], awards["due2"], awards["failed"]}
    TemplateAccreditation.objects.filter(template=course.template).update(basis=AwardBasis.CERTIFICATE)
    return course, awards


def status_of(award) -> str:
    award.refresh_from_db()
    return award.status


def test_awards_of_a_basis_no_longer_chosen_are_never_claimed(switched):
    assert not awards_claimable().exists()


def test_submitting_sends_none_of_them_and_withdraws_them_audited(switched, pe_online):
    course, awards = switched

    assert awards_submit() == {}

    assert pe_online.requests == []
    for name in ("due", "due2", "failed", "blocked"):
        award = awards[name]
        assert status_of(award) == Award.WITHDRAWN
        assert award.message == ("Withdrawn: the template's award basis is now received certificates, not the "
                                 "course completing activity that made this award.")
        event = AuditEvent.objects.get(action="award.withdraw", object_id=str(award.pk))
        assert event.learner_id == award.learner_id and event.course_id == course.pk
        assert event.summary == award.message
    # Already in the register: nothing to undo, and no new IDs replace it.
    assert status_of(awards["accepted"]) == Award.ACCEPTED
    assert not AuditEvent.objects.filter(action="award.withdraw", object_id=str(awards["accepted"].pk)).exists()


def test_the_rules_job_withdraws_them_too(switched, django_capture_on_commit_callbacks):
    course, awards = switched

    with django_capture_on_commit_callbacks(execute=True):
        awards_rules_rerun_start(template=course.template)

    assert [status_of(awards[name]) for name in ("due", "due2", "failed", "blocked", "accepted")] == [
        Award.WITHDRAWN, Award.WITHDRAWN, Award.WITHDRAWN, Award.WITHDRAWN, Award.ACCEPTED]
    assert AuditEvent.objects.filter(action="award.withdraw").count() == 4


def test_an_award_whose_template_lost_its_pe_configuration_is_withdrawn_not_sent(pe_online):
    award = AwardFactory(end_date=DONE)
    TemplateAccreditation.objects.filter(template=award.course.template).delete()

    assert awards_submit() == {}

    assert status_of(award) == Award.WITHDRAWN
    assert award.message == "Withdrawn: the template has no PE configuration any more."


def test_withdrawing_goes_in_bounded_batches(switched, monkeypatch):
    monkeypatch.setattr(services, "OFF_BASIS_BATCH", 3)

    assert services.awards_withdraw_off_basis(batches=1) == 3
    assert services.awards_withdraw_off_basis() == 1

    assert Award.objects.filter(status=Award.WITHDRAWN).count() == 4


def test_an_award_of_the_current_basis_is_sent(pe_online):
    award = AwardFactory(pe_course_id="8001", end_date=DONE)

    assert awards_submit() == {"accepted": 1}
    assert status_of(award) == Award.ACCEPTED


def test_the_claim_finds_its_awards_on_a_status_index():
    """The basis check is a list per basis the awards the status index finds are checked against (SQLite
    reads the failed ones off (status, next_attempt_at), as before the check; PostgreSQL may read a near-empty
    table off either index that starts with the status), never a scan of every award."""
    on_status = [i.name for i in Award._meta.indexes if i.fields[0] == "status"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: the planner would read it all
    plan = awards_claimable().order_by("org_id", "id").values_list("pk", flat=True)[:100].explain()
    assert any(index in plan for index in on_status), plan
    assert "SCAN accreditation_award" not in plan and "Seq Scan on accreditation_award" not in plan, plan
    if connection.vendor == "sqlite":
        assert next(i.name for i in Award._meta.indexes if i.fields == ["status", "next_attempt_at"]) in plan, plan


def test_a_learner_accepted_under_the_basis_no_longer_chosen_gets_no_second_award(switched):
    """The switch the data migration made: completion to certificates. The learner whose completion PE-online
    accepted receives the certificate too; a certificate award would be the same points twice."""
    course, awards = switched
    certificate = ActivityFactory(template=course.template, name="Certificate", type="Certificate")
    CertificateAccreditation.objects.create(activity=certificate, pe_course_id="8002")
    accepted, waiting = awards["accepted"].learner, awards["due"].learner
    for learner in (accepted, waiting):
        PERegistration.objects.create(learner=learner, org_id=19, number="39054148101", kind="big")

    made = awards_from_results(parts=[
        ResultPart(learner_id=learner.pk, course_id=course.pk, activity_id=certificate.pk, completed=True, passed=True,
                   score=None, completed_at=DONE) for learner in (accepted, waiting)])

    assert made == 1
    assert list(Award.objects.filter(trigger=Award.CERTIFICATE).values_list("learner_id", "status")) == [
        (waiting.pk, Award.DUE)]
