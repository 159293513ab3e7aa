"""The page of a PE-online submission job says what became of the awards sent, with links to them."""

import re

import pytest
from django.utils import timezone

from accreditation.models import Award
from tests.accreditation.factories import AwardFactory

pytestmark = pytest.mark.django_db


def _count(page: str, status: str) -> str:
    return re.search(rf'data-status="{status}" href="/accreditation/\?status={status}">[^<]*· (\d+)</a>', page)[1]


def test_the_submission_job_page_counts_accepted_rejected_failed_and_unknown(coordinator_client, pe_online,
                                                                             django_capture_on_commit_callbacks):
    AwardFactory(pe_course_id="8001", end_date=timezone.now())
    AwardFactory(pe_course_id="8001", end_date=timezone.now(), person_number="11111111111")  # not in PE-online
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/accreditation/submit/")

    page = coordinator_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").text

    assert sorted(Award.objects.values_list("status", flat=True)) == [Award.ACCEPTED, Award.REJECTED]
    assert [_count(page, status) for status in ("accepted", "rejected", "failed", "unknown")] == ["1", "1", "0", "0"]
    assert "geaccepteerd · 1" in page and "afgewezen · 1" in page
