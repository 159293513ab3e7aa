"""A score is written alike in the flash message and on the results page (Dutch writes 72,5)."""

import pytest
from django.urls import reverse

from portal.models import Activity
from sandbox.anewspring import DEFAULT_API_KEY, DEMO_LEARNER_ID, WOUND_COURSE_IDS, WOUND_EXTERNAL_ACTIVITY_ID
from subscriptions.models import Subscription
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import subscriptions_refresh
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_a_score_is_written_alike_in_the_flash_message_and_on_the_page(coordinator_client, anewspring, settings):
    dutch = coordinator_client
    dutch.cookies["django_language"] = "nl"
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    catalogue_sync()
    subscriptions_refresh(learner=LearnerFactory(external_id=DEMO_LEARNER_ID))
    subscription = Subscription.objects.get(course__external_id=WOUND_COURSE_IDS[0])
    activity = Activity.objects.get(external_id=WOUND_EXTERNAL_ACTIVITY_ID)

    page = dutch.post(reverse("subscription_score", args=[subscription.pk]),
                      {"activity": activity.pk, "score": "72.5", "completed_on": "2026-12-05"}, follow=True).text

    alert = page[page.index('role="alert"'):]
    alert = alert[:alert.index("</div>")]
    activities = page[page.index('id="activities"'):]
    assert "Score 72,5% geregistreerd" in alert and "72,5%" in activities
