"""Submitting awards to the PE-online sandbox: outcomes per line, batches, failures, recovery, resending."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accreditation import services
from accreditation.models import Award
from portal.integrations import integration_get
from portal.models import AuditEvent
from sandbox.pe_online import ANSWER_MODES, DEFAULT_USER_KEY, WRONG_COURSE
from tests.accreditation.factories import AwardFactory
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_each_award_gets_its_own_outcome_xml_line_and_answer(pe_online):
    good = AwardFactory(pe_course_id="8001", end_date=timezone.now())
    unknown_person = AwardFactory(pe_course_id="8001", person_number="11111111111", end_date=timezone.now())

    assert services.awards_submit() == {"accepted": 1, "rejected": 1}

    good.refresh_from_db()
    unknown_person.refresh_from_db()
    assert good.status == Award.ACCEPTED and "<person>39054148101</person>" in good.answer
    assert "<PECourseID>8001</PECourseID>" in good.sent_xml and "<endDate>" in good.sent_xml
    assert unknown_person.status == Award.REJECTED
    assert "Professional 11111111111 op regel 3 bestaat niet in PE" in unknown_person.message
    assert AuditEvent.objects.filter(action="award.submit", outcome="failure", learner=unknown_person.learner).exists()
    for event in AuditEvent.objects.filter(system="pe_online"):
        assert DEFAULT_USER_KEY not in f"{event.request_summary}{event.response_summary}{event.http_path}"
    assert not Award.objects.filter(sent_xml__contains=DEFAULT_USER_KEY).exists()


def test_batches_hold_at_most_100_lines_of_one_org_id(pe_online):
    for n in range(150):
        AwardFactory(learner=LearnerFactory(), person_number=f"1{n:010d}", end_date=timezone.now())
    AwardFactory(org_id=52, person_number="123456", pe_course_id="7001", end_date=timezone.now())

    services.awards_submit()

    bodies = [r.form["sXML"][0] for r in pe_online.requests]
    assert [b.count("<Attendance>") for b in bodies] == [100, 50, 1]
    assert ["<orgID>19</orgID>" in bodies[0], "<orgID>19</orgID>" in bodies[1], "<orgID>52</orgID>" in bodies[2]] == [
        True, True, True]
    assert Award.objects.filter(status=Award.REJECTED).count() == 150  # unknown persons, each told so


def test_a_transport_failure_is_retried_later_with_backoff(pe_online):
    award = AwardFactory(pe_course_id="8001", end_date=timezone.now())
    pe_online.fail_next(status=503, body="busy", path_contains="ProcessXML")

    assert services.awards_submit() == {"failed": 1}

    award.refresh_from_db()
    assert award.status == Award.FAILED and award.next_attempt_at > timezone.now()
    assert services.awards_submit() == {}  # not before its time
    Award.objects.filter(pk=award.pk).update(next_attempt_at=timezone.now())
    assert services.awards_submit() == {"accepted": 1}


def test_a_worker_that_died_after_sending_leaves_type_1_and_4_unknown_and_2_and_3_due():
    long_ago = timezone.now() - timedelta(hours=1)
    meeting = AwardFactory(pe_type=1, status=Award.SENDING, sending_since=long_ago)
    elearning = AwardFactory(pe_type=2, status=Award.SENDING, sending_since=long_ago)
    busy = AwardFactory(pe_type=1, status=Award.SENDING, sending_since=timezone.now())

    services.awards_recover_interrupted()

    statuses = {a.pk: a.status for a in Award.objects.all()}
    assert statuses == {meeting.pk: Award.UNKNOWN, elearning.pk: Award.DUE, busy.pk: Award.SENDING}


def test_resending_is_explicit_and_audited(pe_online, coordinator_client):
    rejected = AwardFactory(status=Award.REJECTED, message="100: ...")
    accepted = AwardFactory(status=Award.ACCEPTED)

    coordinator_client.post(f"/accreditation/awards/{rejected.pk}/resend/")
    coordinator_client.post(f"/accreditation/awards/{accepted.pk}/resend/")

    assert Award.objects.get(pk=rejected.pk).status == Award.DUE
    assert Award.objects.get(pk=accepted.pk).status == Award.ACCEPTED
    assert AuditEvent.objects.filter(action="award.resend", object_id=str(rejected.pk)).count() == 1


def test_bulk_resend_takes_the_filtered_rejected_and_failed_awards(coordinator_client):
    register_19 = [AwardFactory(status=s) for s in (Award.REJECTED, Award.FAILED, Award.ACCEPTED, Award.BLOCKED)]
    other_register = AwardFactory(org_id=52, status=Award.REJECTED)

    coordinator_client.post("/accreditation/resend/?org_id=19")

    assert [Award.objects.get(pk=a.pk).status for a in register_19] == [
        Award.DUE, Award.DUE, Award.ACCEPTED, Award.BLOCKED]
    assert Award.objects.get(pk=other_register.pk).status == Award.REJECTED


def test_the_command_submits_and_prints_the_outcome(pe_online, capsys):
    AwardFactory(pe_course_id="8001", end_date=timezone.now())
    call_command("submit_pe_awards")
    assert "accepted: 1" in capsys.readouterr().out


def test_the_connection_check_says_plainly_when_the_key_is_wrong(pe_online, settings):
    integration = integration_get("pe_online")
    assert integration.check_connection().ok
    settings.PE_ONLINE_USER_KEY = "wrong"
    check = integration.check_connection()
    assert not check.ok and "userID and userKey" in check.message and "400" in check.message


@pytest.mark.parametrize("mode", ANSWER_MODES)
def test_an_answer_that_does_not_account_for_the_lines_leaves_them_unknown_with_the_answer(pe_online, mode):
    awards = [AwardFactory(pe_course_id="8001", end_date=timezone.now()),
              AwardFactory(pe_course_id="9999", person_number="59059671101", end_date=timezone.now())]
    pe_online.answer_mode = mode

    counts = services.awards_submit()

    good, bad = (Award.objects.get(pk=a.pk) for a in awards)
    assert bad.status == Award.UNKNOWN and "<Summary" in bad.answer and "check in PE-online" in bad.message
    if mode == WRONG_COURSE:  # only the line the Error cannot be tied to is in doubt
        assert counts == {"accepted": 1, "unknown": 1} and good.status == Award.ACCEPTED
    else:
        assert counts == {"unknown": 2} and good.status == Award.UNKNOWN and good.answer == bad.answer
    assert not services.awards_claimable().exists()  # unknown: resent only by a coordinator


def test_a_batch_pe_online_finds_invalid_xml_is_sent_again_line_by_line_once(pe_online):
    good = [AwardFactory(learner=LearnerFactory(), pe_course_id="8001", end_date=timezone.now()) for _ in range(2)]
    # A control character from a learner's Custom1 makes the whole Entry invalid XML (505).
    bad = AwardFactory(learner=LearnerFactory(), pe_course_id="8001", person_number="3905\x01", end_date=timezone.now())

    assert services.awards_submit() == {"accepted": 2, "failed": 1}

    assert [r.form["sXML"][0].count("<Attendance>") for r in pe_online.requests] == [3, 1, 1, 1]
    assert [Award.objects.get(pk=a.pk).status for a in good] == [Award.ACCEPTED, Award.ACCEPTED]
    bad.refresh_from_db()
    assert bad.status == Award.FAILED and bad.next_attempt_at is None and "505" in bad.message
    assert len(pe_online.attendances) == 2


def test_a_single_line_pe_online_finds_invalid_xml_is_not_sent_again(pe_online):
    award = AwardFactory(pe_course_id="8001", person_number="3905\x01", end_date=timezone.now())

    assert services.awards_submit() == {"failed": 1}

    assert len(pe_online.requests) == 1 and Award.objects.get(pk=award.pk).next_attempt_at is None
