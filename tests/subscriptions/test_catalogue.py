"""The catalogue sync: one template aNewSpring cannot list courses for never stops the others."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.models import AuditEvent, Course, Job, Template
from sandbox.anewspring import DEFAULT_API_KEY, WOUND_COURSE_IDS, WOUND_TEMPLATE_ID
from subscriptions.services.catalogue import catalogue_sync, catalogue_sync_start

pytestmark = pytest.mark.django_db
DRAFT_UID = "0d5e7c0a-9b1f-4e55-8a63-2f7d3c1e9b10"  # the demo's template without external ID


@pytest.fixture
def configured(anewspring, settings):
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    return anewspring


def get_courses_paths(app):
    return [r.path for r in app.app.requests if r.path.startswith("/api/getCourses/")]


def test_a_template_without_external_id_is_listed_marked_and_skipped(configured, coordinator_client):
    result = catalogue_sync()
    draft = Template.objects.get(uid=DRAFT_UID)
    assert (draft.external_id, draft.name) == (None, "Onboarding (draft)")
    assert result["without_id"] == 1 and result["failed"] == 0
    assert not any(DRAFT_UID in path for path in get_courses_paths(configured))  # no UID in a path
    page = coordinator_client.get(reverse("catalogue")).content.decode()
    assert "Onboarding (draft)" in page and "no external ID: courses cannot be read" in page

    catalogue_sync()  # a second sync finds the same template again
    assert Template.objects.filter(uid=DRAFT_UID).count() == 1
    configured.app.templates[DRAFT_UID].id = "ONBOARDING"  # given an external ID in aNewSpring
    catalogue_sync()
    assert Template.objects.get(uid=DRAFT_UID).pk == draft.pk
    assert Template.objects.get(pk=draft.pk).external_id == "ONBOARDING"


def test_a_failing_template_is_reported_and_the_rest_is_synced(configured, capsys):
    configured.app.fail_next(status=500, body="Template broken", path_contains=f"/getCourses/{WOUND_TEMPLATE_ID}")
    call_command("sync_anewspring")
    out, err = capsys.readouterr()
    assert "The courses of 1 template could not be read" in out
    assert f"{WOUND_TEMPLATE_ID}: aNewSpring has a problem" in err and "Template broken" in err
    # The templates after the failing one are synced all the same.
    assert set(Course.objects.values_list("external_id", flat=True)) == {"EXAMPLECOURSE-0001", "DEMO-FREE-1"}
    assert not Course.objects.filter(external_id__in=WOUND_COURSE_IDS).exists()
    event = AuditEvent.objects.get(action="catalogue.sync")
    assert event.outcome == AuditEvent.OUTCOME_FAILURE and WOUND_TEMPLATE_ID in event.error


def test_the_job_result_names_the_failed_template(configured, coordinator, django_capture_on_commit_callbacks):
    configured.app.fail_next(status=404, body="Template not found", path_contains=f"/getCourses/{WOUND_TEMPLATE_ID}")
    with django_capture_on_commit_callbacks(execute=True):
        job = catalogue_sync_start(user=coordinator)
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED
    assert job.result["failures"][0]["template"] == WOUND_TEMPLATE_ID
    assert WOUND_TEMPLATE_ID in job.result["summary"] and job.result["courses"] == 2


def test_a_template_or_course_named_with_a_nul_is_reported_and_the_rest_is_synced(configured):
    configured.app.add_template("BROKEN", "Wound\x00care")
    configured.app.add_template("ODD-UID", "Fine name", uid="uid\u202e")
    configured.app.add_template("DOTS", "Fine name")
    configured.app.add_course("..", "DOTS", "A course addressed as its parent")
    configured.app.add_course("DOTS-1", "DOTS", "Right\u202eto left")
    configured.app.add_course("DOTS-2", "DOTS", "Good course")

    result = catalogue_sync()

    assert not Template.objects.filter(external_id="BROKEN").exists()
    assert set(Course.objects.filter(template__external_id="DOTS").values_list("external_id", flat=True)) == {"DOTS-2"}
    assert Course.objects.filter(external_id__in=WOUND_COURSE_IDS).count() == 2  # the others are synced
    failures = {(f["template"], f["error"]) for f in result["failures"]}
    assert ("BROKEN", "its name contains the invisible or control character U+0000; remove it") in failures
    assert any(t == "DOTS" and error.startswith("course ..: its ID") for t, error in failures)
    assert any(t == "DOTS" and error.startswith("course DOTS-1: its name") for t, error in failures)
    assert ("ODD-UID", "its UID contains the invisible or control character U+202E; remove it") in failures
    assert result["failed"] == 3 and "\x00" not in AuditEvent.objects.get(action="catalogue.sync").error
