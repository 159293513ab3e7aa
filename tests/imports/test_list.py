"""The list of past imports: every import, confirmed or not, with where it stands and its counts, paged."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from portal.imports.models import LearnerImport
from portal.imports.services import learner_import_upload
from portal.models import Job
from portal.tasks import import_uploads_expire

pytestmark = pytest.mark.django_db

GOOD = b"ExternalID;FirstName;LastName;Login\nE1;Jan;Vries;jan\nE2;Piet;Jansen;piet\n"
WITH_ERROR = GOOD + b"E3;Kees;;kees\n"


def upload(client, data: bytes, name: str) -> LearnerImport:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the check runs
        client.post(reverse("import_upload"), {"file": SimpleUploadedFile(name, data), "existing": "update"})
    return LearnerImport.objects.get(file_name=name)


def statuses(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('data-status="')[1:]]


def test_the_list_shows_every_import_with_its_status_and_counts(coordinator_client, django_capture_on_commit_callbacks,
                                                                 settings):
    imported = upload(coordinator_client, GOOD, "imported.csv")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(reverse("import_confirm", args=[imported.pk]))
    imported.refresh_from_db()
    checked = upload(coordinator_client, WITH_ERROR, "checked.csv")
    upload(coordinator_client, b"PK\x03\x04workbook", "failed.xlsx")
    settings.IMPORT_UPLOAD_KEEP_HOURS = 0
    expired = learner_import_upload(upload=SimpleUploadedFile("expired.csv", GOOD), update_existing=True)
    import_uploads_expire.delay().get()
    checking = learner_import_upload(upload=SimpleUploadedFile("checking.csv", GOOD), update_existing=True)
    Job.objects.filter(pk=checking.preview_job_id).update(status=Job.RUNNING)

    upload_page = coordinator_client.get(reverse("import_upload")).content.decode()
    assert f'href="{reverse("import_list")}"' in upload_page
    page = coordinator_client.get(reverse("import_list")).content.decode()
    assert statuses(page) == ["checking", "expired", "failed", "checked", "imported"]
    for label in ("checking", "expired", "failed", "checked, not confirmed", "imported"):
        assert f">{label}</span>" in page
    assert f'href="{checked.get_absolute_url()}"' in page and f'href="{imported.get_absolute_url()}"' in page
    assert f'href="{expired.get_absolute_url()}"' in page
    assert "2 learners created; 0 learners updated." in page
    assert "5 imports" in page


def test_the_list_is_paged_in_a_bounded_number_of_queries(coordinator_client, django_assert_max_num_queries):
    for n in range(30):
        upload(coordinator_client, GOOD, f"file{n}.csv")
    with django_assert_max_num_queries(6):
        first = coordinator_client.get(reverse("import_list")).content.decode()
    assert statuses(first) == ["checked"] * 25 and "file29.csv" in first and "file4.csv" not in first
    last = coordinator_client.get(reverse("import_list"), {"page": 2}).content.decode()
    assert statuses(last) == ["checked"] * 5 and "file0.csv" in last
    assert len(statuses(coordinator_client.get(reverse("import_list"), {"per_page": 50}).content.decode())) == 30


def test_the_list_needs_the_import_permission(client, plain_user):
    client.force_login(plain_user)
    assert client.get(reverse("import_list")).status_code == 403
