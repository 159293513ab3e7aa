"""Dates shown as the coordinator entered them, in Dutch as in English."""

from datetime import date, datetime, timezone

import pytest
from django.urls import reverse

from accreditation.models import Award
from tests.accreditation.factories import AwardFactory
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dutch(coordinator_client):
    coordinator_client.cookies["django_language"] = "nl"
    return coordinator_client


def test_an_end_date_is_shown_as_the_day_entered(dutch):
    # An external score dated 5 December comes back from aNewSpring as midnight UTC: 01:00 in Amsterdam.
    award = AwardFactory(status=Award.ACCEPTED, end_date=datetime(2026, 12, 5, tzinfo=timezone.utc))

    page = dutch.get(award.get_absolute_url()).text

    assert "2026-12-05" in page and "01:00" not in page


def test_an_event_date_is_shown_as_entered_in_either_language(coordinator_client, dutch):
    event = EventFactory(date=date(2026, 12, 5))

    for url in (reverse("event_accreditation", args=[event.pk]), reverse("course_accreditation", args=[event.course_id])):
        page = dutch.get(url).text
        assert '<html lang="nl">' in page and "2026-12-05" in page and "december" not in page, url
