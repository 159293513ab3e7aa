"""The worklist a coordinator opens from the menu, in English and in Dutch on a phone (390 px): the menu's
badge, the counts, and a click that opens the filtered list."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from accreditation.models import Award
from tests.accreditation.factories import AwardFactory
from tests.factories import LearnerFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def test_coordinator_follows_the_worklist_in_english_and_in_dutch(logged_in_page, live_server, tmp_path):
    AwardFactory.create_batch(2, status=Award.REJECTED)
    AwardFactory(status=Award.ACCEPTED)
    SubscriptionFactory(learner=LearnerFactory(last_name="Verloopt"),
                        expire_date=timezone.localdate() + timezone.timedelta(days=3))
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    page = logged_in_page
    cache.clear()  # the dashboard, opened at sign-in, counted before these rows existed
    page.reload()

    menu = page.locator("#mainnav").get_by_role("link", name="Worklist")
    expect(menu.locator("#worklist-badge")).to_contain_text("3")  # fetched after the page loaded
    menu.click()
    rejected = page.locator('[data-worklist="awards.rejected"]')
    expect(rejected).to_contain_text("2 awards rejected by PE-online")
    expect(page.locator('[data-worklist="subscriptions.expiring"]')).to_contain_text(
        "1 subscription expires in the next 14 days")
    rejected.click()
    expect(page).to_have_url(f"{live_server.url}/accreditation/?status=rejected")
    expect(page.locator("table tbody tr")).to_have_count(2)

    page.get_by_label("Language").select_option("nl")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/worklist/")
    expect(page.get_by_role("heading", name="Werklijst")).to_be_visible()
    expiring = page.locator('[data-worklist="subscriptions.expiring"]')
    expect(expiring).to_contain_text("1 inschrijving verloopt in de komende 14 dagen")
    expect(page.locator('[data-worklist="awards.rejected"]')).to_contain_text("2 toekenningen afgewezen door PE-online")
    expect(page.locator("#worklist")).to_contain_text("de aantallen worden 60 seconden bewaard")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=shots / "worklist-nl-390.png", full_page=True)
    expiring.click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).to_contain_text("Verloopt")
    page.screenshot(path=shots / "worklist-subscriptions-nl-390.png", full_page=True)

    page.goto(f"{live_server.url}/")  # the dashboard shows the same lines
    expect(page.locator('#worklist [data-worklist="awards.rejected"]')).to_contain_text("2 toekenningen")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=shots / "dashboard-nl-390.png", full_page=True)
