"""The awards pages a coordinator reads in Dutch on a phone (390 px): the list with the new statuses and
its export, the learner page's awards by register and the template page's awards per basis."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accreditation.models import Award
from tests.accreditation.factories import AwardFactory
from tests.factories import CourseFactory, LearnerFactory, TemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Where the screenshots go when asked for (a reviewer looks at them); by default a temporary folder.
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _fits(page) -> bool:
    """Nothing wider than the screen: the page does not scroll sideways (tables scroll in their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_coordinator_reads_the_awards_in_dutch_on_a_phone(logged_in_page, live_server, tmp_path):
    template = TemplateFactory(name="Wondzorg")
    course = CourseFactory(template=template, name="Wondzorg voorjaar")
    learner = LearnerFactory(first_name="Jérôme", last_name="Müller", external_id="LEARNER-0042")
    AwardFactory(learner=learner, course=course, org_id=19, status=Award.ACCEPTED)
    AwardFactory(learner=learner, course=course, org_id=19, trigger=Award.CERTIFICATE, status=Award.SUPERSEDED)
    AwardFactory(learner=learner, course=course, org_id=52, trigger=Award.EVENT, status=Award.WITHDRAWN,
                 message="PE IDs changed")
    AwardFactory(course=course, status=Award.NO_DATE)
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    page = logged_in_page
    page.get_by_label("Language").select_option("nl")  # in the menu, folded away on a phone
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/accreditation/")
    counts = page.locator("#status-counts")
    expect(counts.locator('[data-status="withdrawn"]')).to_contain_text("ingetrokken")
    expect(counts.locator('[data-status="superseded"]')).to_contain_text("geaccepteerd onder eerdere PE-ID's")
    expect(counts.locator('[data-status="no_date"]')).to_contain_text("geblokkeerd: geen afrondingsdatum")
    expect(page.locator("#awards-chart rect.chart-no_date")).to_be_visible()  # a bar with a width, in Dutch
    page.get_by_label("Status", exact=True).select_option("withdrawn")
    page.get_by_role("button", name="Filteren").click()
    expect(page.locator("#awards tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV exporteren").click()
    exported = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert len(exported) == 2 and '"ingetrokken"' in exported[1] and '"PE IDs changed"' in exported[1]
    assert _fits(page)
    page.screenshot(path=shots / "awards-list-nl-390.png", full_page=True)

    page.goto(f"{live_server.url}{learner.get_absolute_url()}")
    panel = page.locator("#learner-awards")
    expect(panel.locator('[data-org-id="19"]')).to_contain_text("Register 19")
    expect(panel.locator('[data-org-id="19"]')).to_contain_text("geaccepteerd onder eerdere PE-ID's · 1")
    expect(panel.locator('[data-org-id="52"]')).to_contain_text("ingetrokken")
    assert _fits(page)
    page.screenshot(path=shots / "learner-awards-nl-390.png", full_page=True)

    page.goto(f"{live_server.url}/accreditation/templates/{template.pk}/")
    basis = page.locator("#award-basis-counts")
    expect(basis).to_contain_text("Grondslag")
    expect(basis.locator('[data-trigger="completion"] [data-column="blocked"]')).to_have_text("1")
    expect(basis.locator('[data-trigger="certificate"] [data-column="other"]')).to_have_text("1")
    assert _fits(page)
    page.screenshot(path=shots / "template-awards-nl-390.png", full_page=True)
