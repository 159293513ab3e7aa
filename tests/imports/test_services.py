import datetime

import pytest
from django.core.exceptions import ValidationError

from portal.imports.models import LearnerImport, LearnerImportRow
from portal.imports.parsing import ImportFileError
from portal.imports.services import learner_import_apply, learner_import_confirm, learner_import_preview
from portal.models import AuditEvent, Job, Learner, PERegistration
from tests.doubles import RecordingProgress
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

HEADER = "ExternalID,FirstName,LastName,Login,Password,Email,DateOfBirth,Company,Custom1"


def csv_file(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode()


def preview(*lines: str, update_existing=True, user=None) -> LearnerImport:
    return learner_import_preview(data=csv_file(*lines), file_name="learners.csv", update_existing=update_existing,
                                  user=user)


def actions(learner_import) -> dict[int, str]:
    return dict(learner_import.rows.values_list("line", "action"))


def run(learner_import, django_capture_on_commit_callbacks, *, valid_only=False, user=None) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        learner_import = learner_import_confirm(learner_import=learner_import, valid_only=valid_only, user=user)
    learner_import.job.refresh_from_db()
    return learner_import.job


def test_the_preview_stores_every_row_and_writes_no_learner(coordinator):
    learner_import = preview(
        "E1,Jan,Vries,jan,Secret!1,jan@example.org,1980-03-15,,19/39054148101",
        "E2,Piet,,piet,,piet@example.org,,,",
        user=coordinator,
    )
    assert Learner.objects.count() == 0
    assert learner_import.counts == {"total": 2, "new": 1, "update": 0, "unchanged": 0, "skip": 0, "error": 1,
                                     "warning": 0}
    assert learner_import.columns == HEADER.split(",")
    first, second = learner_import.rows.order_by("line")
    assert first.values == {"external_id": "E1", "first_name": "Jan", "last_name": "Vries", "login": "jan",
                            "email": "jan@example.org", "date_of_birth": "1980-03-15", "custom1": "19/39054148101"}
    assert second.errors == [{"column": "LastName", "message": "is required: fill it in."}]
    [event] = AuditEvent.objects.filter(action="learner_import.upload")
    assert event.correlation_id == learner_import.correlation_id
    assert event.actor == "system" and learner_import.created_by == coordinator
    assert "2 rows: 1 new, 0 update, 0 unchanged, 0 skip (exists), 1 error" in event.summary


def test_a_bad_file_writes_nothing():
    with pytest.raises(ImportFileError, match="The file is empty."):
        learner_import_preview(data=b"", file_name="x.csv", update_existing=True)
    assert not LearnerImport.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_upload_limit_is_a_setting(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ImportFileError, match="over the limit of 100"):
        preview(*["E1,Jan,Vries,jan,,,,,"] * 10)


def test_rows_match_existing_learners_by_external_id_then_login():
    by_id = LearnerFactory(external_id="E1", login="jan", first_name="Jan", last_name="Vries", email="")
    by_login = LearnerFactory(external_id=None, login="piet", first_name="Piet", last_name="Old")
    LearnerFactory(external_id="E9", login="kees", first_name="Kees", last_name="K")
    learner_import = preview(
        "E1,Jan,Vries,jan,,,,,",          # same values: unchanged
        "E2,Piet,Jansen,piet,,,,,",       # matched by login; gets the ExternalID
        "E3,Kees,K,kees,,,,,",            # login of a learner with another ExternalID
        "E1X,Jan,Vries,,,,,,",            # new
    )
    assert actions(learner_import) == {2: "unchanged", 3: "update", 4: "error", 5: "new"}
    rows = {row.line: row for row in learner_import.rows.all()}
    assert rows[2].learner == by_id and rows[3].learner == by_login
    assert rows[4].error_texts == ["ExternalID: Login kees belongs to existing learner Kees K with ExternalID E9: "
                                   "use that ExternalID or leave it empty."]


def test_a_login_belonging_to_another_learner_is_an_error():
    LearnerFactory(external_id="E1", login="jan", first_name="Jan", middle_name="", last_name="Vries")
    LearnerFactory(external_id="E2", login="piet", first_name="Piet", middle_name="", last_name="Jansen")
    learner_import = preview("E1,Jan,Vries,piet,,,,,")
    [row] = learner_import.rows.all()
    assert row.error_texts == ["Login: Login piet belongs to existing learner Piet Jansen with ExternalID E2, not to "
                               "Jan Vries with ExternalID E1: give a Login of Jan Vries, or leave it empty."]


def test_a_login_belonging_to_a_learner_without_external_id_names_that_learner():
    LearnerFactory(external_id="E1", login="jan", first_name="Jan", middle_name="", last_name="Vries")
    LearnerFactory(external_id=None, login="piet", first_name="Piet", middle_name="van", last_name="Dam")
    [row] = preview("E1,Jan,Vries,piet,,,,,").rows.all()
    assert row.error_texts == ["Login: Login piet belongs to existing learner Piet van Dam, not to Jan Vries with "
                               "ExternalID E1: give a Login of Jan Vries, or leave it empty."]


def test_existing_learners_are_skipped_when_asked():
    LearnerFactory(external_id="E1", login="jan", first_name="Jan", last_name="Vries")
    learner_import = preview("E1,Jan,Anders,jan,,,,,", update_existing=False)
    assert actions(learner_import) == {2: "skip"}


def test_confirming_a_file_with_errors_needs_valid_only():
    learner_import = preview("E1,Jan,Vries,jan,,,,,", "E2,,Jansen,piet,,,,,")
    with pytest.raises(ValidationError, match="1 row has errors, so nothing was imported"):
        learner_import_confirm(learner_import=learner_import, valid_only=False)
    learner_import.refresh_from_db()
    assert learner_import.confirmed_at is None and learner_import.job is None


def test_the_import_job_creates_and_updates_learners_with_audit_events(coordinator, django_capture_on_commit_callbacks):
    existing = LearnerFactory(external_id="E1", login="jan", first_name="Jan", last_name="Vries",
                              email="old@example.org", company="Kliniek", custom1="")
    learner_import = preview(
        "E1,Jan,Vries,jan,Secret!1,jan@example.org,15-03-1980,,19/39054148101",
        "E2,Piet,Jansen,piet,Secret!2,piet@example.org,,=1+2,52/123456",
        user=coordinator,
    )
    job = run(learner_import, django_capture_on_commit_callbacks, user=coordinator)

    assert job.status == Job.SUCCEEDED, job.error
    assert job.result["summary"] == "1 learner created; 1 learner updated."
    existing.refresh_from_db()
    assert existing.email == "jan@example.org" and existing.date_of_birth == datetime.date(1980, 3, 15)
    assert existing.company == "Kliniek"  # an empty cell keeps the value
    piet = Learner.objects.get(external_id="E2")
    assert (piet.first_name, piet.company) == ("Piet", "=1+2")
    assert set(PERegistration.objects.values_list("learner__external_id", "org_id", "number", "kind")) == {
        ("E1", 19, "39054148101", "big"), ("E2", 52, "123456", "register")}

    events = AuditEvent.objects.filter(correlation_id=learner_import.correlation_id)
    assert sorted(events.values_list("action", flat=True)) == [
        "job.finish", "job.start", "learner.create", "learner.update", "learner_import.confirm",
        "learner_import.upload"]
    assert job.correlation_id == learner_import.correlation_id
    update = events.get(action="learner.update")
    assert update.learner == existing and update.actor == coordinator.username
    assert update.changes["email"] == {"before": "old@example.org", "after": "jan@example.org"}
    assert "Secret" not in str(list(events.values_list("changes", "summary")))
    confirm = events.get(action="learner_import.confirm")
    assert "2 rows: 1 new, 1 update" in confirm.summary

    learner_import.refresh_from_db()
    assert learner_import.finished_at and learner_import.result == job.result


def test_valid_only_imports_the_good_rows(django_capture_on_commit_callbacks):
    learner_import = preview("E1,Jan,Vries,jan,,,,,", "E2,Piet,Jansen,piet,,,31-02-1980,,")
    job = run(learner_import, django_capture_on_commit_callbacks, valid_only=True)
    assert job.status == Job.SUCCEEDED
    assert list(Learner.objects.values_list("external_id", flat=True)) == ["E1"]
    assert "(valid rows only)" in AuditEvent.objects.get(action="learner_import.confirm").summary


def test_an_import_is_confirmed_once(django_capture_on_commit_callbacks):
    learner_import = preview("E1,Jan,Vries,jan,,,,,")
    run(learner_import, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="confirmed already"):
        learner_import_confirm(learner_import=learner_import, valid_only=False)
    assert Learner.objects.count() == 1


def test_a_learner_added_after_the_preview_fails_the_job_clearly(django_capture_on_commit_callbacks):
    learner_import = preview("E1,Jan,Vries,jan,,,,,")
    LearnerFactory(external_id="E1", login="other")
    job = run(learner_import, django_capture_on_commit_callbacks)
    assert job.status == Job.FAILED
    assert job.error.startswith("Rows 2 to 2 could not be saved, because learners changed after the preview")
    learner_import.refresh_from_db()
    assert learner_import.finished_at is None


def test_apply_reports_progress_in_batches(monkeypatch):
    monkeypatch.setattr("portal.imports.services.BATCH_SIZE", 3)
    learner_import = preview(*[f"E{n},First{n},Last{n},login{n},,,,," for n in range(7)])
    learner_import = learner_import_confirm(learner_import=learner_import, valid_only=False, background=False)
    progress = RecordingProgress()
    result = learner_import_apply(learner_import=learner_import, progress=progress)
    assert (progress.total, progress.done, result["created"]) == (7, 7, 7)
    assert Learner.objects.count() == 7
    assert AuditEvent.objects.filter(action="learner.create").count() == 7
    assert learner_import.job is None


def test_rows_keep_no_password():
    learner_import = preview("E1,Jan,Vries,jan,Secret!1,,,,")
    assert "Secret" not in str(list(LearnerImportRow.objects.values_list("values", "errors", "warnings")))
    assert learner_import.file_warnings == ["The passwords in the file are ignored: the portal never stores passwords."]


def test_the_preview_keeps_the_pe_numbers_for_the_import(django_capture_on_commit_callbacks):
    learner_import = preview('E1,Jan,Vries,jan,,,,,"19/39054148101, 52/123456"', "E2,Piet,Jansen,piet,,,,,52/7")
    assert learner_import.rows.get(line=2).pe_numbers == [[19, "39054148101"], [52, "123456"]]
    job = run(learner_import, django_capture_on_commit_callbacks)
    assert job.status == Job.SUCCEEDED, job.error
    assert set(PERegistration.objects.values_list("learner__external_id", "org_id", "number", "check_digit_ok")) == {
        ("E1", 19, "39054148101", True), ("E1", 52, "123456", None), ("E2", 52, "7", None)}


def test_apply_skips_batches_without_rows_to_import(monkeypatch):
    monkeypatch.setattr("portal.imports.services.BATCH_SIZE", 2)
    learner_import = preview("E1,Jan,Vries,jan,,,,,", "E2,,,piet,,,,,", "E3,,,kees,,,,,", "E4,Anna,Bos,anna,,,,,")
    learner_import = learner_import_confirm(learner_import=learner_import, valid_only=True, background=False)
    progress = RecordingProgress()
    result = learner_import_apply(learner_import=learner_import, progress=progress)
    assert (progress.total, progress.done, result["created"]) == (2, 2, 2)
    assert sorted(Learner.objects.values_list("external_id", flat=True)) == ["E1", "E4"]


def test_every_imported_row_links_to_its_learner(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("portal.imports.services.BATCH_SIZE", 2)  # the links of more than one batch
    updated = LearnerFactory(external_id="E1", login="jan", first_name="Jan", last_name="Old")
    learner_import = preview("E1,Jan,Vries,jan,,,,,", "E2,Piet,Jansen,piet,,,,,", ",Kees,Bakker,kees,,,,,",
                             "E4,Nora,,nora,,,,,")
    run(learner_import, django_capture_on_commit_callbacks, valid_only=True)
    rows = {row.line: row.learner for row in learner_import.rows.select_related("learner")}
    assert rows[2] == updated
    assert (rows[3].external_id, rows[4].login) == ("E2", "kees")
    assert rows[5] is None  # an error: nothing imported
