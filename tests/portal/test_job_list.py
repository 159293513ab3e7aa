"""/jobs/: every background job, newest first, filtered by kind, status and user, a page at a time, in the menu."""

import pytest
from django.urls import reverse

from portal.models import Job
from tests.factories import CoordinatorFactory, JobFactory

pytestmark = pytest.mark.django_db


def test_the_jobs_list_is_in_the_menu_and_shows_the_newest_first(coordinator_client):
    older = JobFactory(kind="pe_awards_submit", title="Submit due awards to PE-online", status=Job.SUCCEEDED)
    newer = JobFactory(kind="catalogue_sync", title="Synchronise the catalogue", status=Job.FAILED)

    page = coordinator_client.get(reverse("job_list"), HTTP_ACCEPT_LANGUAGE="nl")

    assert page.status_code == 200
    assert list(page.context["table"].data) == [newer, older]
    html = page.content.decode()
    assert f'href="{reverse("job_list")}"' in html and "Taken" in html  # the menu
    assert "PE-toekenningen ingediend" in html and "mislukt" in html  # kind and status by label
    assert f'href="{older.get_absolute_url()}"' in html


def test_the_jobs_list_filters_by_kind_status_and_user(coordinator_client):
    ann = CoordinatorFactory(username="ann")
    wanted = JobFactory(kind="pe_awards_submit", status=Job.FAILED, created_by=ann)
    JobFactory(kind="pe_awards_submit", status=Job.SUCCEEDED, created_by=ann)
    JobFactory(kind="catalogue_sync", status=Job.FAILED, created_by=ann)
    JobFactory(kind="pe_awards_submit", status=Job.FAILED, created_by=CoordinatorFactory(username="bob"))

    page = coordinator_client.get(reverse("job_list"), {"kind": "pe_awards_submit", "status": "failed", "user": "ann"})

    assert list(page.context["table"].data) == [wanted]


def test_the_jobs_list_pages_in_the_fixed_sizes(coordinator_client):
    JobFactory.create_batch(30)

    first = coordinator_client.get(reverse("job_list"), {"per_page": 1_000_000})
    second = coordinator_client.get(reverse("job_list"), {"page": 2})

    assert len(first.context["table"].page.object_list) == 25 and first.context["table"].paginator.count == 30
    assert len(second.context["table"].page.object_list) == 5
