"""Mail at once when PE-online rejects awards: one per submission run to each opted-in user who may see awards."""

import pytest
from django.utils import timezone

from accreditation import services
from accreditation.models import Award
from portal.models import AuditEvent, Profile
from tests.accreditation.factories import AwardFactory
from tests.factories import CoordinatorFactory, LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db

UNKNOWN_PERSON = "11111111111"  # the sandbox rejects this professional's lines


def opt_in(user, **choices) -> Profile:
    return Profile.objects.update_or_create(user=user, defaults={"immediate": True, **choices})[0]


def rejected_awards(count: int) -> list[Award]:
    return [AwardFactory(learner=LearnerFactory(), pe_course_id="8001", person_number=UNKNOWN_PERSON,
                         end_date=timezone.now()) for _ in range(count)]


def test_one_mail_per_run_and_user_however_many_awards_and_batches_were_rejected(
        pe_online, coordinator, coordinator_group, django_capture_on_commit_callbacks, mailoutbox):
    opt_in(coordinator)
    dutch = opt_in(CoordinatorFactory(), language="nl").user
    CoordinatorFactory()  # did not opt in
    opt_in(UserFactory())  # opted in, but may not see awards
    rejected_awards(3)
    AwardFactory(learner=LearnerFactory(), pe_course_id="8001", end_date=timezone.now())  # accepted

    with django_capture_on_commit_callbacks(execute=True):
        assert services.awards_submit(batch_size=2) == {"rejected": 3, "accepted": 1}

    assert len(pe_online.requests) == 2
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert sorted(mails) == sorted([coordinator.email, dutch.email])
    assert mails[coordinator.email].subject == "PE-online rejected 3 awards"
    assert "http://localhost:8000/accreditation/?status=rejected" in mails[coordinator.email].body
    assert mails[dutch.email].subject == "PE-online heeft 3 toekenningen afgewezen"
    assert "toekenningen afgewezen die het portaal stuurde" in mails[dutch.email].alternatives[0][0]
    assert sorted(AuditEvent.objects.filter(action="notification.sent").values_list("summary", flat=True)) == sorted(
        [f"awards.rejected to {coordinator.email}", f"awards.rejected to {dutch.email}"])


def test_the_mail_goes_only_once_the_outcomes_are_committed(pe_online, coordinator, django_capture_on_commit_callbacks,
                                                             mailoutbox):
    opt_in(coordinator)
    rejected_awards(1)

    with django_capture_on_commit_callbacks() as callbacks:
        services.awards_submit()
        assert mailoutbox == []

    for callback in callbacks:
        callback()
    assert [mail.subject for mail in mailoutbox] == ["PE-online rejected 1 award"]


def test_no_mail_when_nothing_was_rejected(pe_online, coordinator, django_capture_on_commit_callbacks, mailoutbox):
    opt_in(coordinator)
    AwardFactory(pe_course_id="8001", end_date=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert services.awards_submit() == {"accepted": 1}

    assert mailoutbox == []
