"""The import's option to create or update the imported learners in aNewSpring too (a second job)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from portal.imports.models import LearnerImport
from portal.models import AuditEvent, Job, Learner
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

OPTION = "Also create or update these learners in aNewSpring"
FILE = (b"ExternalID;FirstName;MiddleName;LastName;Login;Email;DateOfBirth;Custom1\n"
        b"NEW-1;Jan;;Vries;jan;jan@example.org;1980-03-15;19/39054148101\n"
        b"LEARNER-0002;Jan;de;Vries;j.devries;jan.nieuw@example.org;;52/654321\n"
        b"KEEP-1;Kees;;Bakker;kees;;;\n"
        b"NEW-3;Nora;;Bad;nora;;31-02-1980;\n"
        b";Piet;;Jansen;piet;;;\n")


def upload(client, push=True):
    data = {"file": SimpleUploadedFile("learners.csv", FILE, content_type="text/csv"), "existing": "update"}
    if push:
        data["push_to"] = ["anewspring"]
    with TestCase.captureOnCommitCallbacks(execute=True):  # the preview job runs
        client.post(reverse("import_upload"), data)
    return LearnerImport.objects.get()


def confirm(client, learner_import, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_confirm", args=[learner_import.pk]), {"valid_only": "on"})
    learner_import.refresh_from_db()
    return learner_import


def pushed_ids(anewspring):
    return [r.path.rsplit("/", 1)[1] for r in anewspring.app.requests if r.path.startswith("/api/addOrUpdateUser/")]


def test_the_option_is_offered_when_anewspring_is_configured(coordinator_client, anewspring):
    page = coordinator_client.get(reverse("import_upload")).content.decode()
    assert OPTION in page and 'name="push_to" value="anewspring"' in page
    assert 'id="no-import-hooks"' not in page


def test_without_anewspring_the_option_is_a_note(coordinator_client, settings):
    settings.ANEWSPRING_URL = ""
    page = coordinator_client.get(reverse("import_upload")).content.decode()
    assert OPTION not in page and 'name="push_to"' not in page
    assert ("No remote system that takes imported learners is configured, so the learners are imported into "
            "the portal only.") in page
    assert upload(coordinator_client).push_to == []  # a forged choice is ignored


def test_the_imported_learners_are_created_or_updated_in_anewspring(coordinator_client, anewspring,
                                                                    django_capture_on_commit_callbacks):
    LearnerFactory(external_id="LEARNER-0002", login="j.devries", first_name="Jan", last_name="Vries")
    LearnerFactory(external_id="KEEP-1", login="kees", first_name="Kees", last_name="Bakker")
    learner_import = upload(coordinator_client)
    assert learner_import.push_to == ["anewspring"]
    preview = coordinator_client.get(reverse("import_preview", args=[learner_import.pk])).content.decode()
    assert 'name="push_to" value="anewspring"' in preview and 'name="push_offered"' in preview
    assert re.search(r'<input [^>]*name="push_to" value="anewspring"[^>]* checked>', preview)

    learner_import = confirm(coordinator_client, learner_import, django_capture_on_commit_callbacks)
    assert learner_import.job.status == Job.SUCCEEDED
    push = learner_import.push_jobs.get()
    assert (push.kind, push.status, push.total) == ("anewspring_learners_push", Job.SUCCEEDED, 3)
    assert push.created_by == learner_import.job.created_by
    # Created and updated learners only: not the unchanged one, nor the row with an error.
    piet = Learner.objects.get(login="piet")  # the file gives piet no ExternalID: the portal made one
    assert piet.external_id_generated and piet.external_id.startswith("PORTAL-")
    assert sorted(pushed_ids(anewspring)) == ["LEARNER-0002", "NEW-1", piet.external_id]
    assert anewspring.app.users["NEW-1"].fields["custom1"] == "19/39054148101"
    assert anewspring.app.users["LEARNER-0002"].fields["custom1"] == "52/654321"
    assert anewspring.app.users["LEARNER-0002"].fields["email"] == "jan.nieuw@example.org"
    assert anewspring.app.users[piet.external_id].fields["firstName"] == "Piet"
    assert push.result["summary"] == "aNewSpring: 3 created or updated, 0 failed, 0 not attempted."

    events = AuditEvent.objects.filter(action="learner.anewspring_push")
    assert set(events.values_list("correlation_id", flat=True)) == {learner_import.correlation_id}
    assert set(events.values_list("learner__login", flat=True)) == {"jan", "j.devries", "piet"}

    page = coordinator_client.get(reverse("import_detail", args=[learner_import.pk])).content.decode()
    assert f'href="{reverse("job_detail", args=[push.pk])}"' in page
    assert "The learners of learners.csv to aNewSpring" in page
    assert "aNewSpring: 3 created or updated" in page


def test_no_push_unless_asked(coordinator_client, anewspring, django_capture_on_commit_callbacks):
    learner_import = confirm(coordinator_client, upload(coordinator_client, push=False),
                             django_capture_on_commit_callbacks)
    assert Learner.objects.count() == 4 and not learner_import.push_jobs.exists()
    assert pushed_ids(anewspring) == []
    page = coordinator_client.get(reverse("import_detail", args=[learner_import.pk])).content.decode()
    assert 'id="push-job"' not in page


def test_anewspring_gone_by_the_end_of_the_import_is_reported(coordinator_client, anewspring, settings,
                                                              django_capture_on_commit_callbacks):
    learner_import = upload(coordinator_client)
    settings.ANEWSPRING_API_KEY = ""
    learner_import = confirm(coordinator_client, learner_import, django_capture_on_commit_callbacks)
    assert learner_import.job.status == Job.SUCCEEDED and not learner_import.push_jobs.exists()
    assert learner_import.job.result["summary"] == ("4 learners created; 0 learners updated. "
                                                    "aNewSpring is not configured.")
    page = coordinator_client.get(reverse("import_detail", args=[learner_import.pk])).content.decode()
    assert "The learners were not sent to aNewSpring." in page


def test_the_detail_page_waits_for_the_push_job(coordinator_client, anewspring, django_capture_on_commit_callbacks):
    learner_import = upload(coordinator_client)
    with django_capture_on_commit_callbacks(execute=False):  # the import job stays queued
        coordinator_client.post(reverse("import_confirm", args=[learner_import.pk]), {"valid_only": "on"})
    url = reverse("import_detail", args=[learner_import.pk])
    page = coordinator_client.get(url).content.decode()
    assert f'hx-get="{url}" hx-select="#push-job"' in page
    assert "When the import is done, a second job sends these learners to aNewSpring." in page


def test_the_push_is_chosen_again_on_the_preview(coordinator_client, anewspring, django_capture_on_commit_callbacks):
    unticked = upload(coordinator_client)
    with django_capture_on_commit_callbacks(execute=True):  # the box unticked on the preview
        coordinator_client.post(reverse("import_confirm", args=[unticked.pk]),
                                {"valid_only": "on", "push_offered": "1"})
    unticked.refresh_from_db()
    assert unticked.push_to == [] and not unticked.push_jobs.exists() and pushed_ids(anewspring) == []
    event = AuditEvent.objects.get(action="learner_import.confirm", object_id=str(unticked.pk))
    assert event.changes == {"push_to": {"before": ["anewspring"], "after": []}}

    LearnerImport.objects.all().delete()
    ticked = upload(coordinator_client, push=False)
    preview = coordinator_client.get(reverse("import_preview", args=[ticked.pk])).content.decode()
    assert not re.search(r'<input [^>]*name="push_to" value="anewspring"[^>]* checked>', preview)
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(reverse("import_confirm", args=[ticked.pk]),
                                {"valid_only": "on", "push_offered": "1", "push_to": ["anewspring"]})
    ticked.refresh_from_db()
    assert ticked.push_to == ["anewspring"] and ticked.push_jobs.get().status == Job.SUCCEEDED
