"""Uploaded files (which may hold passwords) do not stay in the database: beat's sweep deletes the file of
an upload whose check died or never ran, and says so on the import's page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.imports.models import LearnerImport, LearnerImportChunk
from portal.imports.services import learner_import_upload
from portal.jobs import job_run_now
from portal.models import AuditEvent, Job
from portal.tasks import import_uploads_expire
from tests.doubles import held_elsewhere

pytestmark = pytest.mark.django_db

CSV = b"ExternalID;FirstName;LastName;Login;Password\nE1;Jan;Vries;jan;Secret-Passw0rd\n"


def uploaded(hours_ago: float, user=None) -> LearnerImport:
    """An upload whose check has not run (its job is queued: the on-commit callback is not run here)."""
    learner_import = learner_import_upload(upload=SimpleUploadedFile("learners.csv", CSV), update_existing=True,
                                           user=user)
    LearnerImport.objects.filter(pk=learner_import.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    return learner_import


def sweep_events():
    return AuditEvent.objects.filter(action="learner_import.uploads_expire")


def test_an_unchecked_upload_older_than_the_setting_is_deleted_and_its_page_says_so(coordinator_client,
                                                                                     coordinator):
    abandoned, recent = uploaded(hours_ago=25, user=coordinator), uploaded(hours_ago=23)

    assert import_uploads_expire.delay().get() == {"expired": 1, "leftover_pieces": 0}

    assert not abandoned.chunks.exists() and recent.chunks.exists()
    job = Job.objects.get(pk=abandoned.preview_job_id)
    assert job.status == Job.FAILED and "not checked within 24 hours" in job.error
    failed = AuditEvent.objects.get(action="job.fail", object_id=str(job.pk))
    assert failed.correlation_id == abandoned.correlation_id
    (event,) = sweep_events()
    assert (event.actor, event.summary) == ("beat", "Deleted the stored files of 1 uploads not checked within 24 "
                                                    "hours, and 0 pieces left by finished checks.")
    assert not event.changes and "Secret-Passw0rd" not in str(event.__dict__)
    page = coordinator_client.get(reverse("import_preview", args=[abandoned.pk])).content.decode()
    assert "The file cannot be imported" in page and "Upload it again." in page and "hx-trigger" not in page
    assert Job.objects.get(pk=recent.preview_job_id).status == Job.QUEUED

    # Again: nothing left to do, nothing recorded; the expired check, delivered late, does not run.
    assert import_uploads_expire.delay().get() == {"expired": 0, "leftover_pieces": 0}
    assert sweep_events().count() == 1
    assert job_run_now(job.pk).status == Job.FAILED and not abandoned.rows.exists()


def test_the_pieces_a_finished_check_left_are_deleted_at_once(settings):
    settings.IMPORT_UPLOAD_KEEP_HOURS = 1
    checked = uploaded(hours_ago=0)
    Job.objects.filter(pk=checked.preview_job_id).update(status=Job.SUCCEEDED)  # its process died in the finally

    assert import_uploads_expire.delay().get() == {"expired": 0, "leftover_pieces": 1}
    assert not LearnerImportChunk.objects.exists()
    assert Job.objects.get(pk=checked.preview_job_id).status == Job.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_a_check_running_now_keeps_its_file(settings):
    settings.IMPORT_UPLOAD_KEEP_HOURS = 1
    # As an upload leaves it (here its check would run at once, the test being transactional).
    running = LearnerImport.objects.create(file_name="learners.csv", preview_job=Job.objects.create(
        kind="learner_import_preview", title="Check of learners.csv", status=Job.RUNNING))
    LearnerImportChunk.objects.create(learner_import=running, number=0, data=CSV)
    LearnerImport.objects.filter(pk=running.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    with held_elsewhere(f"job:{running.preview_job_id}"):
        assert import_uploads_expire.delay().get() == {"expired": 0, "leftover_pieces": 0}
    assert running.chunks.exists() and not sweep_events().exists()


def test_the_sweep_runs_hourly_under_beat():
    from django.conf import settings

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["portal.tasks.import_uploads_expire"] == 3600
