import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from portal.imports.models import LearnerImport, LearnerImportChunk
from portal.jobs import jobs_local_wait
from portal.models import Job, Learner

pytestmark = pytest.mark.django_db

GOOD = b"ExternalID;FirstName;LastName;Login;DateOfBirth\nE1;Jan;Vries;jan;1980-03-15\nE2;Piet;Jansen;piet;\n"
WITH_ERROR = GOOD + b"E3;Kees;Bakker;kees;31-02-1980\n"


def upload(client, data: bytes, name="learners.csv", existing="update"):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the preview job runs
        return client.post(reverse("import_upload"),
                           {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "existing": existing})


def test_the_upload_page_explains_the_format(coordinator_client):
    page = coordinator_client.get(reverse("import_upload")).content.decode()
    assert 'for="id_file"' in page and "CSV file" in page
    assert "dd-mm-yyyy" in page and "50.0\xa0MB" in page
    assert 'enctype="multipart/form-data"' in page


def test_uploading_shows_the_preview_and_writes_no_learner(coordinator_client):
    response = upload(coordinator_client, WITH_ERROR)
    learner_import = LearnerImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("import_preview", args=[learner_import.pk])
    page = coordinator_client.get(response.url).content.decode()
    assert ("DateOfBirth: &#x27;31-02-1980&#x27; is not a date: write it as yyyy-mm-dd or dd-mm-yyyy, "
            "e.g. 1980-03-15 or 15-03-1980.") in page
    assert 'data-line="4"' in page
    assert "Import the valid rows only" in page and ">Import</button>" in page
    assert "1 row has errors." in page
    assert Learner.objects.count() == 0


def test_a_bad_file_gets_one_message_on_its_page(coordinator_client):
    response = upload(coordinator_client, b"PK\x03\x04rest-of-a-workbook", name="learners.xlsx")
    page = coordinator_client.get(response.url).content.decode()
    assert "The file cannot be imported" in page and "This is an Excel workbook, not a CSV file." in page
    assert "hx-trigger" not in page and not LearnerImportChunk.objects.exists()


def test_an_empty_file_gets_the_same_kind_of_message(coordinator_client):
    response = upload(coordinator_client, b"")
    assert "The file is empty." in coordinator_client.get(response.url).content.decode()


def test_the_upload_stores_the_file_in_pieces_and_answers_before_reading_it(coordinator_client):
    data = b"ExternalID;FirstName;LastName;Login\n" + b"".join(
        f"E{n};First{n};Last{n};login{n}\n".encode() for n in range(100_000))
    response = coordinator_client.post(reverse("import_upload"), {
        "file": SimpleUploadedFile("big.csv", data, content_type="text/csv"), "existing": "update"})
    learner_import = LearnerImport.objects.get()
    assert response.url == reverse("import_preview", args=[learner_import.pk])
    assert not learner_import.rows.exists() and learner_import.preview_job.status == Job.QUEUED
    pieces = list(learner_import.chunks.values_list("data", flat=True))
    assert len(pieces) == -(-len(data) // LearnerImportChunk.SIZE) > 1
    assert all(len(piece) <= LearnerImportChunk.SIZE for piece in pieces)
    assert b"".join(bytes(piece) for piece in pieces) == data
    page = coordinator_client.get(response.url).content.decode()
    assert "is being checked row by row" in page and 'hx-trigger="every 1s"' in page


def test_the_checking_page_reloads_itself_once_the_preview_is_ready(coordinator_client):
    response = upload(coordinator_client, GOOD)
    learner_import = LearnerImport.objects.get()
    assert learner_import.preview_job.status == Job.SUCCEEDED and not learner_import.chunks.exists()
    assert learner_import.preview_job.done == learner_import.preview_job.total == 2
    polled = coordinator_client.get(response.url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true"


def test_a_body_far_over_the_limit_is_refused_before_the_file_is_received(coordinator_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    response = coordinator_client.post(reverse("import_upload"), {
        "file": SimpleUploadedFile("big.csv", b"x" * 200_000), "existing": "update"}, follow=True)
    assert response.redirect_chain == [(reverse("import_upload"), 302)]
    assert "over the limit of 1.0\xa0KB" in response.content.decode()
    assert not LearnerImport.objects.exists()


def test_the_size_limit_is_checked_before_reading(coordinator_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = upload(coordinator_client, GOOD)
    assert "over the limit of 10\xa0bytes" in response.content.decode()
    assert not LearnerImport.objects.exists()


def test_confirming_runs_the_import_and_shows_the_progress_and_summary(coordinator_client,
                                                                       django_capture_on_commit_callbacks):
    upload(coordinator_client, GOOD)
    learner_import = LearnerImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("import_confirm", args=[learner_import.pk]))
    assert response.url == reverse("import_detail", args=[learner_import.pk])
    assert Learner.objects.count() == 2
    page = coordinator_client.get(response.url).content.decode()
    assert 'role="progressbar"' in page and 'data-progress="100"' in page
    assert "2 learners created; 0 learners updated." in page
    assert f"{reverse('audit_list')}?correlation_id={learner_import.correlation_id}" in page
    for learner in Learner.objects.all():  # each row links to the learner it created
        assert f'href="{reverse("learner_detail", args=[learner.pk])}"' in page
    # The preview of a confirmed import leads to its detail page.
    assert coordinator_client.get(reverse("import_preview", args=[learner_import.pk])).url == response.url


def test_errors_block_the_import_unless_valid_rows_only_is_chosen(coordinator_client,
                                                                  django_capture_on_commit_callbacks):
    upload(coordinator_client, WITH_ERROR)
    learner_import = LearnerImport.objects.get()
    confirm_url = reverse("import_confirm", args=[learner_import.pk])
    response = coordinator_client.post(confirm_url, follow=True)
    assert "1 row has errors, so nothing was imported." in response.content.decode()
    assert Learner.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(confirm_url, {"valid_only": "on"})
    assert Learner.objects.count() == 2


def test_rows_are_paginated_and_filtered(coordinator_client):
    lines = "".join(f"E{n};First{n};Last{n};login{n};\n" for n in range(120))
    upload(coordinator_client, b"ExternalID;FirstName;LastName;Login;DateOfBirth\n" + lines.encode()
           + b"X;Bad;Row;bad;1980-99-99\n")
    url = reverse("import_preview", args=[LearnerImport.objects.get().pk])
    first_page = coordinator_client.get(url).content.decode()
    assert first_page.count("data-line=") == 50
    assert 'data-line="122"' in coordinator_client.get(url, {"page": 3}).content.decode()
    errors = coordinator_client.get(url, {"show": "error"}).content.decode()
    assert errors.count("data-line=") == 1 and "1980-99-99" in errors


def test_the_pages_need_the_import_permission(client, plain_user):
    client.force_login(plain_user)
    assert upload(client, GOOD).status_code == 403
    assert not LearnerImport.objects.exists()


# --- without a broker: the file is checked and imported on a background thread, not in the request -----
@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_upload_and_the_import_answer_at_once_and_their_pages_follow(job_threads,
                                                                                          coordinator_client):
    job_threads.launch()  # keeps the one background thread busy: the check waits its turn
    response = coordinator_client.post(reverse("import_upload"), {
        "file": SimpleUploadedFile("learners.csv", WITH_ERROR, content_type="text/csv"), "existing": "update"})
    learner_import = LearnerImport.objects.get()
    assert response.url == reverse("import_preview", args=[learner_import.pk])
    assert learner_import.preview_job.status == Job.QUEUED and learner_import.chunks.exists()
    page = coordinator_client.get(response.url).content.decode()
    assert "is being checked row by row" in page and 'hx-trigger="every 1s"' in page
    assert 'data-job-status="queued"' in page

    job_threads.open()
    jobs_local_wait()
    assert coordinator_client.get(response.url, headers={"HX-Request": "true"}).headers["HX-Refresh"] == "true"
    page = coordinator_client.get(response.url).content.decode()
    assert "1 row has errors." in page and 'data-line="4"' in page
    assert not learner_import.chunks.exists()

    job_threads.opened.clear()
    job_threads.launch()
    response = coordinator_client.post(reverse("import_confirm", args=[learner_import.pk]), {"valid_only": "on"})
    assert response.url == reverse("import_detail", args=[learner_import.pk])
    page = coordinator_client.get(response.url).content.decode()
    assert 'data-job-status="queued"' in page and 'hx-trigger="every 1s"' in page
    assert not Learner.objects.exists()

    job_threads.open()
    jobs_local_wait()
    page = coordinator_client.get(response.url).content.decode()
    assert 'data-job-status="succeeded"' in page and "2 learners created; 0 learners updated." in page


def test_the_rows_with_errors_download_as_a_csv_to_correct_and_upload_again(coordinator_client):
    upload(coordinator_client, b"ExternalID;FirstName;LastName;Login;Password;Company;DateOfBirth\n"
           b"E1;Jan;Vries;jan;Secret1;=1+1;1980-03-15\n"
           b"E2;Piet;;piet;Secret2;=2+2;15-03-1980\n"
           b"E3;Kees;Bakker;kees;;ACME;31-02-1980\n", name="cursisten.csv")
    learner_import = LearnerImport.objects.get()
    page = coordinator_client.get(reverse("import_preview", args=[learner_import.pk])).content.decode()
    url = reverse("import_errors", args=[learner_import.pk])
    assert f'href="{url}"' in page
    response = coordinator_client.get(url)
    assert response.streaming and response["Content-Disposition"] == 'attachment; filename="cursisten-errors.csv"'
    assert b"".join(response.streaming_content).decode() == (
        '\ufeff"ExternalID";"FirstName";"LastName";"Login";"Company";"DateOfBirth";"Errors"\r\n'
        '"E2";"Piet";"";"piet";"\'=2+2";"1980-03-15";"LastName: is required: fill it in."\r\n'
        '"E3";"Kees";"Bakker";"kees";"ACME";"31-02-1980";"DateOfBirth: \'31-02-1980\' is not a date: write it as '
        'yyyy-mm-dd or dd-mm-yyyy, e.g. 1980-03-15 or 15-03-1980."\r\n')


def test_a_file_without_errors_offers_no_download(coordinator_client):
    upload(coordinator_client, GOOD)
    learner_import = LearnerImport.objects.get()
    page = coordinator_client.get(reverse("import_preview", args=[learner_import.pk])).content.decode()
    assert "import-errors-download" not in page
