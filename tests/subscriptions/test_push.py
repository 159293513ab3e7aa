"""Creating or updating learners in aNewSpring (addOrUpdateUser) against the sandbox over real HTTP."""

from datetime import date

import pytest

from portal.models import AuditEvent, Job
from sandbox.anewspring import DEFAULT_API_KEY
from subscriptions.services.learners import learners_push, learners_push_start
from subscriptions.client import AnewspringError
from tests.doubles import RecordingProgress
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(anewspring, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    return anewspring


def push(*learners, progress=None) -> dict:
    return learners_push(learner_ids=[learner.pk for learner in learners], progress=progress or RecordingProgress())


def requests_to(app, call):
    return [r.path for r in app.app.requests if r.path.startswith(f"/api/{call}/")]


def test_new_learners_are_created_with_custom1(configured):
    jan = LearnerFactory(external_id="NEW-1", login="jan", first_name="Jan", middle_name="de", last_name="Vries",
                         email="jan@example.org", date_of_birth=date(1980, 3, 15), custom1="19/39054148101, 52/123456")
    piet = LearnerFactory(external_id=None, login="piet", first_name="Piet", last_name="Jansen")
    progress = RecordingProgress()
    result = push(jan, piet, progress=progress)

    assert result["counts"] == {"pushed": 2, "failed": 0, "skipped": 0}
    assert result["summary"] == "aNewSpring: 2 created or updated, 0 failed, 0 not attempted."
    assert result["outcomes"] == []  # only the learners not pushed are listed
    assert (progress.total, progress.done) == (2, 2)
    created = configured.app.users["NEW-1"].fields
    assert created["custom1"] == "19/39054148101, 52/123456"
    assert (created["firstName"], created["middleName"], created["lastName"], created["login"]) == (
        "Jan", "de", "Vries", "jan")
    assert created["dateOfBirth"] == date(1980, 3, 15) and created["role"] == "student"
    # No ExternalID: the portal makes one and sends it; the login is never the aNewSpring user ID.
    piet.refresh_from_db()
    assert piet.external_id.startswith("PORTAL-") and piet.external_id_generated
    assert "piet" not in configured.app.users
    assert configured.app.users[piet.external_id].fields["lastName"] == "Jansen"
    events = AuditEvent.objects.filter(action="learner.anewspring_push")
    assert {(e.learner_id, e.outcome, e.system) for e in events} == {(jan.pk, "success", "anewspring"),
                                                                     (piet.pk, "success", "anewspring")}
    calls = AuditEvent.objects.filter(action="remote_call", http_path__startswith="/api/addOrUpdateUser/")
    assert calls.filter(learner=jan).count() == 1
    # Cheap: one call per learner, no getUser to learn the UID.
    assert requests_to(configured, "getUser") == []
    jan.refresh_from_db()
    assert jan.uid is None


def test_learners_anewspring_knows_are_updated(configured):
    learner = LearnerFactory(external_id="LEARNER-0002", login="j.devries", first_name="Jan", middle_name="de",
                             last_name="Vries", email="jan.nieuw@example.org", custom1="52/654321")
    users_before = len(configured.app.users)
    result = push(learner)
    assert result["counts"]["pushed"] == 1
    fields = configured.app.users["LEARNER-0002"].fields
    assert (fields["email"], fields["custom1"]) == ("jan.nieuw@example.org", "52/654321")
    assert fields["locale"] == "nl_NL"  # what the portal does not hold is left alone
    assert len(configured.app.users) == users_before


def test_a_503_midway_stops_the_push_politely(configured):
    learners = [LearnerFactory(external_id=f"NEW-{n}", first_name="New", last_name=str(n)) for n in range(1, 5)]
    configured.app.fail_next(status=503, body="Down for maintenance", path_contains="/api/addOrUpdateUser/NEW-2")
    progress = RecordingProgress()
    result = push(*learners, progress=progress)

    assert result["counts"] == {"pushed": 1, "failed": 1, "skipped": 2}
    assert result["summary"] == "aNewSpring: 1 created or updated, 1 failed, 2 not attempted."
    outcomes = result["outcomes"]
    assert [(o["learner_id"], o["status"]) for o in outcomes] == [
        (learners[1].pk, "failed"), (learners[2].pk, "skipped"), (learners[3].pk, "skipped")]
    assert "Down for maintenance" in outcomes[0]["message"]
    assert "run it again later" in outcomes[1]["message"]
    assert progress.done == 4
    assert "NEW-1" in configured.app.users and "NEW-2" not in configured.app.users
    # Not attempted means not called: the failed POST is not retried, the rest are left alone.
    assert requests_to(configured, "addOrUpdateUser") == ["/api/addOrUpdateUser/NEW-1", "/api/addOrUpdateUser/NEW-2"]
    events = AuditEvent.objects.filter(action="learner.anewspring_push").order_by("id")
    assert [(e.learner_id, e.outcome) for e in events] == [(learners[0].pk, "success"), (learners[1].pk, "failure")]
    assert "Down for maintenance" in events[1].error


def test_the_push_job_runs_once_committed_and_reports(configured, coordinator, django_capture_on_commit_callbacks):
    learners = [LearnerFactory(external_id=f"NEW-{n}", custom1="19/39054148101") for n in (1, 2)]
    with django_capture_on_commit_callbacks(execute=True):
        job = learners_push_start(learner_ids=[learner.pk for learner in learners], title="Push two",
                                           user=coordinator)
        assert "NEW-1" not in configured.app.users  # not before the commit
    job.refresh_from_db()
    assert (job.kind, job.status, job.done, job.total) == ("anewspring_learners_push", Job.SUCCEEDED, 2, 2)
    assert job.result["counts"] == {"pushed": 2, "failed": 0, "skipped": 0}
    assert {"NEW-1", "NEW-2"} <= set(configured.app.users)
    events = AuditEvent.objects.filter(action="learner.anewspring_push")
    assert set(events.values_list("actor", "correlation_id")) == {(coordinator.username, job.correlation_id)}


def test_pushing_needs_anewspring_configured(db, settings):
    settings.ANEWSPRING_URL = ""
    with pytest.raises(AnewspringError, match="aNewSpring is not configured"):
        learners_push_start(learner_ids=[LearnerFactory().pk], title="Push")
    assert not Job.objects.exists()
