"""The progress chart in Dutch: SVG coordinates stay plain numbers (Dutch writes 671,8 for 671.8)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from enrolments.models import ProgressSnapshot
from tests.enrolments.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_the_progress_chart_draws_in_dutch_with_plain_numbers(coordinator_client):
    enrolment = EnrolmentFactory()
    start = timezone.now() - timedelta(days=3)
    for hours, progress in ((0, 12.5), (7, 33.3), (50, 40.0)):  # uneven gaps: fractional coordinates
        ProgressSnapshot.objects.create(enrolment=enrolment, taken_at=start + timedelta(hours=hours), progress=progress)
    coordinator_client.cookies["django_language"] = "nl"

    page = coordinator_client.get(enrolment.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="nl").text

    assert '<html lang="nl">' in page
    svg = page[page.index('<svg id="progress-chart"'):page.index("</svg>")]
    coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2|cx|cy|d)="([^"]*)"', svg)
    assert any("." in c for c in coordinates)
    assert [c for c in coordinates if not re.fullmatch(r"[ML\d. ]+", c)] == []
