"""Enrolment services against the sandbox: reference data, enrol, update, progress, bulk, beat."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from enrolments import services
from enrolments.client import LearningAssistantError, LearningAssistantRejected
from enrolments.integration import check_connection
from enrolments.models import Enrolment, ProgressSnapshot, ReferenceItem, ReferenceSync
from enrolments.tasks import progress_pull_active, reference_sync_daily
from portal.audit import audit_context
from portal.models import AuditEvent
from sandbox.learning_assistant import ENROLMENT_TYPES
from tests.enrolments.factories import EnrolmentFactory
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def item(list_name, name) -> ReferenceItem:
    return ReferenceItem.objects.get(list_name=list_name, name=name)


def form_values(**changes) -> dict:
    values = {
        "forename": "Amira", "surname": "Khan", "email": "amira@example.org", "uln": "9276308686",
        "company_uuid": item(ReferenceItem.COMPANIES, "Harbour Care Ltd").key,
        "primary_assessor_uuid": item(ReferenceItem.TRAINERS, "Ava Assessor").key,
        "primary_verifier_uuid": item(ReferenceItem.TRAINERS, "Victor Verifier").key,
        "nationality_id": "1", "start_date": date(2026, 9, 1), "planned_end_date": date(2027, 8, 31),
    }
    return values | changes


def enrol(learner=None, framework="Adult Care Worker Level 2", **changes) -> Enrolment:
    framework = item(ReferenceItem.FRAMEWORKS, framework)
    return services.enrolment_create(learner=learner or LearnerFactory(), framework=framework,
                                     values=form_values(**changes),
                                     unit_uuids=[u["uuid"] for u in framework.units if u["mandatory"]])


# --- reference data ------------------------------------------------------------------------------
def test_reference_sync_stores_every_list_and_what_changed(synced):
    assert ReferenceItem.objects.filter(list_name=ReferenceItem.FRAMEWORKS, active=True).count() == 2
    care = item(ReferenceItem.FRAMEWORKS, "Adult Care Worker Level 2")
    assert care.data["qan"] == "603/4817/3" and [u["mandatory"] for u in care.units] == [True, True, False]
    app = synced.app
    harbour = next(k for k, v in app.companies.items() if v == "Harbour Care Ltd")
    app.companies[harbour] = "Harbour Care Group"
    del app.nationalities["3"]
    app.ethnicities["40"] = "Asian / Asian British: Indian"

    services.reference_sync()

    syncs = {s.list_name: s for s in ReferenceSync.objects.all()}
    assert syncs[ReferenceItem.COMPANIES].renamed == [["Harbour Care Ltd", "Harbour Care Group"]]
    assert syncs[ReferenceItem.NATIONALITIES].removed == ["Polish"]
    assert syncs[ReferenceItem.ETHNICITIES].added == ["Asian / Asian British: Indian"]
    assert syncs[ReferenceItem.FRAMEWORKS].added == [] and syncs[ReferenceItem.FRAMEWORKS].total == 2
    assert not item(ReferenceItem.NATIONALITIES, "Polish").active  # kept for old enrolments, not offered
    assert AuditEvent.objects.filter(action="enrolments.reference_sync").count() == 10


def test_a_sync_keeps_counts_but_only_the_first_names_of_a_long_list(configured):
    configured.app.nationalities = {str(n): f"Nationality {n:03d}" for n in range(500)}
    services.reference_sync()
    sync = ReferenceSync.objects.get(list_name=ReferenceItem.NATIONALITIES)
    assert (sync.total, sync.added_count, len(sync.added)) == (500, 500, ReferenceSync.NAMES_KEPT)


def test_a_failed_sync_changes_nothing_and_is_audited(configured):
    configured.app.fail_next(status=503, body="<html>Service unavailable</html>", path_contains="company.cfc")
    with pytest.raises(LearningAssistantError, match="web page instead of SOAP"):
        services.reference_sync()
    assert not ReferenceItem.objects.exists() and not ReferenceSync.objects.exists()
    assert AuditEvent.objects.get(action="enrolments.reference_sync").outcome == AuditEvent.OUTCOME_FAILURE


def test_the_command_and_the_daily_task_sync(configured, capsys):
    call_command("sync_learning_assistant")
    assert "Frameworks: 2 entries, 2 added, 0 removed, 0 renamed" in capsys.readouterr().out
    assert reference_sync_daily() == 5


# --- enrol and update ----------------------------------------------------------------------------
def test_enrolling_stores_the_candidate_and_reuses_the_learners_uuid(synced):
    learner = LearnerFactory()
    first = enrol(learner)
    second = enrol(learner, framework="Business Administrator Level 3")
    assert first.candidate_uuid == synced.app.enrolments[0].candidate_uuid and first.uln == "9276308686"
    identity = str(learner.la_identity.source_uuid)
    assert [e.fields["SourceSystemLearnerUUID"] for e in synced.app.enrolments] == [identity, identity]
    event = AuditEvent.objects.get(action="enrolment.create", object_id=str(first.pk))
    assert event.learner == learner and event.changes["surname"] == {"before": None, "after": "Khan"}


def test_a_refused_enrolment_stores_nothing_and_names_the_fields(synced):
    with pytest.raises(LearningAssistantRejected) as refused:
        enrol(company_uuid="not-a-company")
    assert [i.field for i in refused.value.issues] == ["CompanyUUID"]
    assert not Enrolment.objects.exists()
    assert AuditEvent.objects.get(action="enrolment.create").outcome == AuditEvent.OUTCOME_FAILURE


def test_an_update_sends_only_what_changed(synced):
    enrolment = enrol()
    sent = services.enrolment_update(enrolment=enrolment, values=form_values(
        planned_end_date=date(2027, 12, 1), forename="Amy"))  # forename cannot change after enrolment

    assert sent == {"planned_end_date": "2027-12-01"}
    [envelope] = synced.app.received("UpdateEnrolment")
    struct = envelope.find(f".//{{{ENROLMENT_TYPES}}}Type_enrolmentUserUpdate")
    assert sorted(child.tag for child in struct) == ["CandidateUUID", "CourseUUID", "PlannedEndDate"]
    enrolment.refresh_from_db()
    assert enrolment.planned_end_date == date(2027, 12, 1) and enrolment.values["forename"] == "Amira"
    event = AuditEvent.objects.get(action="enrolment.update")
    assert event.changes == {"planned_end_date": {"before": "2027-08-31", "after": "2027-12-01"}}


def test_an_update_without_changes_calls_nothing(synced):
    enrolment = enrol()
    before = len(synced.app.requests)
    assert services.enrolment_update(enrolment=enrolment, values=form_values()) == {}
    assert len(synced.app.requests) == before


# --- progress ------------------------------------------------------------------------------------
def test_progress_pulls_keep_snapshots_for_the_chart(synced):
    enrolment = enrol()
    services.enrolment_progress_pull(enrolment=enrolment)
    synced.app.advance(days=15)
    services.enrolment_progress_pull(enrolment=enrolment, full=True)
    assert list(ProgressSnapshot.objects.order_by("taken_at").values_list("progress", flat=True)) == [0, 50]
    enrolment.refresh_from_db()
    assert enrolment.progress == 50 and enrolment.outcomes_pulled_at is not None
    assert enrolment.units_progress[0]["outcomes"][0]["completed"] is True


def test_beat_pulls_a_bounded_batch_longest_waiting_first(synced, settings):
    settings.LEARNING_ASSISTANT_PROGRESS_BATCH = 2
    enrolments = [enrol() for _ in range(3)]
    with audit_context(actor="beat"):
        assert progress_pull_active() == {"pulled": 2, "failed": 0}
        # a second run soon after (redelivered, or overlapping) pulls only what is still due
        assert progress_pull_active() == {"pulled": 1, "failed": 0}
        assert progress_pull_active() == {"pulled": 0, "failed": 0}
    pulls = ProgressSnapshot.objects.values_list("enrolment_id", flat=True)
    assert sorted(pulls) == sorted(e.pk for e in enrolments)


def test_beat_stops_when_learning_assistant_is_down(synced):
    enrol(), enrol()
    synced.app.fail_next(status=503, body="<html>down</html>", path_contains="user.cfc")
    assert services.enrolments_progress_pull_active() == {"pulled": 0, "failed": 1}


def test_beat_does_nothing_when_not_configured(db):
    EnrolmentFactory()
    assert progress_pull_active() == {"pulled": 0, "failed": 0}


# --- bulk ----------------------------------------------------------------------------------------
def test_bulk_enrol_is_safe_to_run_again(synced, coordinator, django_capture_on_commit_callbacks):
    already = LearnerFactory(first_name="Ann", last_name="Early")
    enrol(already)
    fresh = LearnerFactory(first_name="Bo", last_name="New")
    framework = item(ReferenceItem.FRAMEWORKS, "Adult Care Worker Level 2")
    common = {k: v for k, v in form_values().items() if k not in ("forename", "surname", "email", "uln")}

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return services.enrolments_bulk_start(learners=[already, fresh], framework=framework, values=common,
                                                  unit_uuids=[], send_login_details=False, user=coordinator)

    job = run()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.done == 2
    assert [(o["learner"], o["status"]) for o in job.result["outcomes"]] == [
        ("Ann Early", "already_enrolled"), ("Bo New", "enrolled")]
    again = run()
    again.refresh_from_db()
    assert again.result["counts"] == {"enrolled": 0, "already_enrolled": 2, "failed": 0}
    assert len(synced.app.enrolments) == 2
    assert synced.app.enrolments[1].fields["Forename"] == "Bo"


def test_bulk_enrol_links_an_enrolment_whose_answer_was_lost(synced, coordinator, django_capture_on_commit_callbacks):
    learner = LearnerFactory(first_name="Cy")
    enrolment = enrol(learner)
    Enrolment.objects.filter(pk=enrolment.pk).delete()  # as if the answer never reached the portal
    common = {k: v for k, v in form_values().items() if k not in ("forename", "surname", "email", "uln")}
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enrolments_bulk_start(learners=[learner], framework=enrolment.framework, values=common,
                                             unit_uuids=[], send_login_details=False, user=coordinator)
    job.refresh_from_db()
    assert job.result["counts"] == {"enrolled": 0, "already_enrolled": 1, "failed": 0}
    assert len(synced.app.enrolments) == 1
    assert Enrolment.objects.get(learner=learner).candidate_uuid == enrolment.candidate_uuid


@pytest.mark.parametrize(("gender", "sent"), [("Female", "Female"), ("V", "Female"), ("man", "Male"),
                                              ("X", "Other"), ("unknown text", None), ("", None)])
def test_bulk_enrol_sends_only_known_genders(synced, coordinator, django_capture_on_commit_callbacks, gender, sent):
    learner = LearnerFactory(gender=gender)
    common = {k: v for k, v in form_values().items() if k not in ("forename", "surname", "email", "uln")}
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolments_bulk_start(learners=[learner], framework=item(ReferenceItem.FRAMEWORKS,
                                                                            "Adult Care Worker Level 2"),
                                       values=common, unit_uuids=[], send_login_details=False, user=coordinator)
    assert synced.app.enrolments[0].fields.get("Gender") == sent


# --- the integration ------------------------------------------------------------------------------
def test_the_connection_test_says_plainly_when_the_password_is_wrong(configured, settings):
    assert check_connection().ok
    settings.LEARNING_ASSISTANT_PASSWORD = "wrong"
    result = check_connection()
    assert not result.ok and result.message == "Learning Assistant refused the user name or password."


def test_the_audit_log_never_holds_the_token_or_the_password(synced):
    enrol()
    token_id, token_uuid = next(iter(synced.app.tokens))
    calls = AuditEvent.objects.filter(action="remote_call", system="learning_assistant")
    assert calls.count() == 7  # Authenticate once, the five lists, GroupEnrolment
    for event in calls:
        text = f"{event.http_path} {event.request_summary} {event.response_summary} {event.error}"
        assert token_id not in text and token_uuid not in text and "sandbox-password" not in text


def test_check_connections_includes_learning_assistant(configured, settings, capsys):
    call_command("check_connections")
    assert "Learning Assistant: ok. Connected: Learning Assistant accepted" in capsys.readouterr().out
    settings.LEARNING_ASSISTANT_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="Connection failed: Learning Assistant"):
        call_command("check_connections")
    assert "Learning Assistant refused the user name or password." in capsys.readouterr().out
