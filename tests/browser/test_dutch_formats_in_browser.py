"""Numbers and dates a browser reads are never localized: both SVG charts are drawn in English and in Dutch
(Dutch writes 671,8 for 671.8, which is no SVG number), and a date input shows its date in Dutch too."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accreditation.models import Award
from enrolments.models import ProgressSnapshot
from tests.accreditation.factories import AwardFactory
from tests.enrolments.factories import EnrolmentFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_both_charts_are_drawn_in_either_language(logged_in_page, live_server, tmp_path, language):
    AwardFactory(status=Award.ACCEPTED)
    AwardFactory(status=Award.NO_DATE)
    enrolment = EnrolmentFactory()
    start = timezone.now() - timedelta(days=3)
    for hours, progress in ((0, 12.5), (7, 33.3), (50, 40.0)):  # uneven gaps: fractional coordinates
        ProgressSnapshot.objects.create(enrolment=enrolment, taken_at=start + timedelta(hours=hours), progress=progress)
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    page = logged_in_page
    page.locator("#language-select").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.goto(f"{live_server.url}/accreditation/")
    for status in ("accepted", "no_date"):
        expect(page.locator(f"#awards-chart rect.chart-{status}")).to_be_visible()  # a bar with a width and height
    page.locator("#awards-chart").screenshot(path=shots / f"awards-chart-{language}.png")

    page.goto(f"{live_server.url}{enrolment.get_absolute_url()}")
    expect(page.locator("#progress-chart circle")).to_have_count(3)
    # An unreadable coordinate counts as 0: every point would sit on the left edge, at the top.
    xs = page.eval_on_selector_all("#progress-chart circle", "cs => cs.map(c => c.cx.baseVal.value)")
    ys = page.eval_on_selector_all("#progress-chart circle", "cs => cs.map(c => c.cy.baseVal.value)")
    assert xs == sorted(xs) and len(set(xs)) == 3 and min(xs) > 0 and len(set(ys)) == 3
    page.locator("#progress-chart").screenshot(path=shots / f"progress-chart-{language}.png")


def test_the_change_dates_form_shows_the_dates_in_dutch(logged_in_page, live_server, tmp_path):
    subscription = SubscriptionFactory(start_date=date(2026, 12, 14), expire_date=date(2027, 6, 30))
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    page = logged_in_page
    page.locator("#language-select").select_option("nl")
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    page.goto(f"{live_server.url}/subscriptions/{subscription.pk}/change/")

    expect(page.get_by_label("Startdatum")).to_have_value("2026-12-14")  # "14-12-2026" left it empty
    expect(page.get_by_label("Vervaldatum")).to_have_value("2027-06-30")
    page.screenshot(path=shots / "change-dates-nl.png", full_page=True)
