import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper

from portal.imports.models import LearnerImport
from portal.management.commands.import_learners import TerminalProgress
from portal.models import AuditEvent, Job, Learner
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "corpus"


def import_learners(*args) -> str:
    out = io.StringIO()
    call_command("import_learners", *map(str, args), stdout=out)
    return out.getvalue()


def test_imports_a_file_and_prints_the_summary():
    output = import_learners(CORPUS / "ok_cp1252_names.csv")
    assert "ok_cp1252_names.csv (Windows-1252, separator ';')" in output
    assert "1 row: 1 new, 0 update, 0 unchanged, 0 skip (exists), 0 error; 0 with warnings" in output
    assert "1 learner created; 0 learners updated." in output
    learner = Learner.objects.get()
    assert learner.last_name == "Müller-Öztürk"
    learner_import = LearnerImport.objects.get()
    assert f"correlation id {learner_import.correlation_id}" in output
    events = AuditEvent.objects.filter(correlation_id=learner_import.correlation_id)
    assert set(events.values_list("actor", flat=True)) == {"command"}
    assert events.count() == 3  # upload, confirmation, one learner


def test_dry_run_writes_nothing():
    output = import_learners(CORPUS / "ok_utf8.csv", "--dry-run")
    assert "2 rows: 2 new" in output and "Dry run: nothing written." in output
    assert not Learner.objects.exists()
    assert not LearnerImport.objects.exists()
    assert not AuditEvent.objects.exists()


def test_errors_stop_the_import_unless_valid_only():
    path = CORPUS / "err_bad_date.csv"
    with pytest.raises(CommandError, match="1 row has errors, so nothing was imported"):
        import_learners(path)
    assert not Learner.objects.exists()
    output = import_learners(path, "--valid-only")
    assert ("row 17, DateOfBirth: '31-02-1980' is not a date: write it as yyyy-mm-dd or dd-mm-yyyy, "
            "e.g. 1980-03-15 or 15-03-1980.") in output
    assert Learner.objects.count() == 15


def test_existing_learners_are_left_alone_unless_asked():
    LearnerFactory(external_id="E001", login="jdevries", first_name="Jan", last_name="Oud")
    assert "1 skip (exists)" in import_learners(CORPUS / "ok_utf8.csv")
    assert Learner.objects.get(external_id="E001").last_name == "Oud"
    assert "1 update" in import_learners(CORPUS / "ok_utf8.csv", "--update-existing")
    assert Learner.objects.get(external_id="E001").last_name == "Vries"


@pytest.mark.parametrize(("name", "message"), [
    ("bad_xlsx.xlsx", "This is an Excel workbook, not a CSV file."),
    ("bad_header_only.csv", "The file has a header row but no learners."),
    ("does_not_exist.csv", "Cannot read"),
])
def test_bad_files_give_one_message(name, message):
    with pytest.raises(CommandError, match=message):
        import_learners(CORPUS / name)
    assert not LearnerImport.objects.exists()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_a_progress_bar():
    out = FakeTerminal()
    progress = TerminalProgress(OutputWrapper(out))
    progress.set_total(4)
    progress.advance(2)
    progress.advance(2)
    assert out.getvalue() == ("\r[" + "#" * 20 + "." * 20 + "] 2/4" + "\r[" + "#" * 40 + "] 4/4\n")


def test_a_pipe_gets_no_progress_bar():
    out = io.StringIO()
    call_command("import_learners", str(CORPUS / "ok_utf8.csv"), stdout=out)
    assert "\r[" not in out.getvalue()


# Committed for real, as outside a test: the push job then runs (no broker) before the command ends, on the
# command's background threads (the default) or in it (JOBS_LOCAL_THREADS=0).
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [2, 0])
def test_push_to_anewspring_creates_the_imported_learners_there(anewspring, settings, threads):
    settings.JOBS_LOCAL_THREADS = threads
    output = import_learners(CORPUS / "ok_utf8.csv", "--push-to", "anewspring")
    assert "2 learners created; 0 learners updated." in output
    assert "aNewSpring: 2 created or updated, 0 failed, 0 not attempted." in output
    assert anewspring.app.users["E001"].fields["custom1"] == "19/39054148101"
    assert anewspring.app.users["E002"].fields["company"] == "Ziekenhuis Noord"
    learner_import = LearnerImport.objects.get()
    push = learner_import.push_jobs.get()  # without a broker the job ran before the command ended
    assert learner_import.push_to == ["anewspring"] and push.status == Job.SUCCEEDED
    assert push.result["summary"] == "aNewSpring: 2 created or updated, 0 failed, 0 not attempted."
    events = AuditEvent.objects.filter(action="learner.anewspring_push", correlation_id=learner_import.correlation_id)
    assert set(events.values_list("outcome", flat=True)) == {"success"}
    assert events.count() == 2
    assert AuditEvent.objects.filter(action="job.start", actor="command", object_id=str(push.pk),
                                     correlation_id=learner_import.correlation_id).exists()


@pytest.mark.django_db(transaction=True)
def test_push_to_anewspring_reports_failures(anewspring):
    anewspring.app.fail_next(status=503, path_contains="/api/addOrUpdateUser/E001")
    output = import_learners(CORPUS / "ok_utf8.csv", "--push-to", "anewspring")
    assert "aNewSpring: 0 created or updated, 1 failed, 1 not attempted." in output
    assert "Jan de Vries: aNewSpring has a problem (HTTP 503); try again later." in output
    assert Learner.objects.count() == 2  # the import itself stands


def test_push_to_anewspring_needs_it_configured(settings):
    settings.ANEWSPRING_URL = ""
    with pytest.raises(CommandError, match="anewspring is not a configured system that takes imported learners"):
        import_learners(CORPUS / "ok_utf8.csv", "--push-to", "anewspring")
    assert not LearnerImport.objects.exists()
