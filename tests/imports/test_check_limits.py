"""The check of an uploaded file reads it a piece at a time, and at most IMPORT_MAX_CHECKS run at once."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from portal.imports.models import LearnerImportChunk
from portal.imports.services import learner_import_preview, learner_import_upload
from portal.jobs import job_run_now
from portal.locks import lock_hold
from portal.models import Job
from tests.doubles import held_elsewhere
from tests.portal.test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

ROWS = 9_000


def learners_file(rows: int = ROWS) -> bytes:
    """Non-ASCII, CRLF, long rows: 9,000 rows are three pieces of the stored file."""
    return ("ExternalID;FirstName;LastName;Login;Email;Company\r\n" + "".join(
        f"E{n:06d};Zoë 🙂;Müller;login.{n};login.{n}@example.org;{'c' * 190}\r\n" for n in range(rows))).encode()


def check(data: bytes) -> Job:
    """Upload ``data`` and run its check here (the upload's on-commit launch does not run in these tests)."""
    learner_import = learner_import_upload(upload=SimpleUploadedFile("learners.csv", data), update_existing=True)
    return job_run_now(learner_import.preview_job_id)


def test_the_check_reads_the_stored_file_piece_by_piece_and_misses_no_row():
    data = learners_file()
    assert len(data) > 2 * LearnerImportChunk.SIZE
    job = check(data)
    assert job.status == Job.SUCCEEDED, job.error
    learner_import = job.learner_import_preview
    assert learner_import.counts["total"] == learner_import.counts["new"] == ROWS
    assert learner_import.rows.filter(values__first_name="Zoë 🙂", values__company="c" * 190).count() == ROWS
    assert not LearnerImportChunk.objects.exists()


def test_a_stored_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    job = check(learners_file())
    assert job.status == Job.FAILED and job.error.startswith("The file is 2.2\xa0MB, ")


def test_a_check_beyond_the_limit_waits_for_one_to_end(settings):
    settings.IMPORT_MAX_CHECKS, settings.IMPORT_CHECK_WAIT_SECONDS = 1, 30
    taken = threading.Event()

    def another_check():  # holds the one slot for a second, on a connection of its own
        try:
            with lock_hold("learner-import-check:0") as got:
                assert got
                taken.set()
                time.sleep(1)
        finally:
            connections.close_all()

    holder = threading.Thread(target=another_check)
    holder.start()
    assert taken.wait(10)
    start = time.monotonic()
    job = check(learners_file(10))
    holder.join()
    assert job.status == Job.SUCCEEDED, job.error
    assert time.monotonic() - start > 0.5


def test_a_check_that_waited_too_long_fails_saying_why_and_its_file_is_deleted(settings):
    settings.IMPORT_MAX_CHECKS, settings.IMPORT_CHECK_WAIT_SECONDS = 2, 1
    with held_elsewhere("learner-import-check:0"), held_elsewhere("learner-import-check:1"):
        job = check(learners_file(10))
        with pytest.raises(Exception, match="2 other files were being checked"):
            learner_import_preview(data=learners_file(10), file_name="learners.csv", update_existing=True)
    assert job.status == Job.FAILED
    assert job.error == ("The file was not checked: 2 other files were being checked all the time this one could "
                         "wait. Upload it again in a few minutes.")
    assert not LearnerImportChunk.objects.exists()
    assert check(learners_file(10)).status == Job.SUCCEEDED  # a slot is free again


@pytest.mark.parametrize("name, value, message", [
    ("IMPORT_MAX_CHECKS", "0", "IMPORT_MAX_CHECKS must be a positive number"),
    ("IMPORT_MAX_CHECKS", "two", "invalid literal"),
    ("IMPORT_CHECK_WAIT_SECONDS", "-5", "IMPORT_CHECK_WAIT_SECONDS must be a positive number"),
])
def test_bad_limits_stop_the_start(name, value, message):
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0 and message in result.stderr
