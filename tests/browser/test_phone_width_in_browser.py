"""At 390 px (a phone) no page is wider than the screen: tables scroll inside their box and header
buttons wrap. Measured in Dutch, whose words are longer."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from accreditation.models import Award
from sandbox.anewspring import DEFAULT_API_KEY, DEMO_LEARNER_ID, AnewspringSandbox
from subscriptions.models import Subscription
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import subscriptions_refresh
from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory
from tests.factories import AuditEventFactory, LearnerFactory
from tests.subscriptions.factories import LearnerGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def test_no_page_is_wider_than_a_phone(logged_in_page, live_server, start_sandbox, settings, tmp_path):
    anewspring = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    catalogue_sync()
    learner = LearnerFactory(external_id=DEMO_LEARNER_ID, first_name="Jérôme", last_name="van der Berghe-Müller")
    subscriptions_refresh(learner=learner)
    subscription = Subscription.objects.filter(learner=learner).exclude(results={}).first()
    for status in (Award.ACCEPTED, Award.NO_DATE, Award.WITHDRAWN):
        AwardFactory(learner=learner, status=status, message="Professional op regel 2 bestaat niet in PE")
    EnrolmentFactory(learner=learner)
    AuditEventFactory.create_batch(3, learner=learner)
    LearnerGroupFactory().members.add(learner)
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    page = logged_in_page
    page.locator("#language-select").select_option("nl")
    page.set_viewport_size({"width": 390, "height": 844})

    pages = {
        "dashboard": reverse("dashboard"), "learners": reverse("learner_list"),
        "learner": learner.get_absolute_url(), "subscriptions": reverse("subscription_list"),
        "learner-subscriptions": reverse("learner_subscriptions", args=[learner.pk]),
        "results": subscription.get_absolute_url(), "subscribe": reverse("subscribe"),
        "catalogue": reverse("catalogue"), "groups": reverse("group_list"), "awards": reverse("award_list"),
        "enrolments": reverse("enrolment_list"), "enrolment-reference": reverse("enrolment_reference"),
        "audit": reverse("audit_list"), "imports": reverse("import_upload"),
    }
    widths = {}
    for name, url in pages.items():
        page.goto(f"{live_server.url}{url}")
        assert page.locator("html").get_attribute("lang") == "nl"
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=shots / f"{name}-nl-390.png", full_page=True)

    assert {name: width for name, width in widths.items() if width > 390} == {}
