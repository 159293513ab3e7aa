import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_creates_a_learner_and_reads_the_timeline_in_dutch(logged_in_page, live_server):
    page = logged_in_page
    page.get_by_role("link", name="Learners").click()
    page.get_by_role("link", name="New learner").click()
    page.get_by_label("First name").fill("Jérôme")
    page.get_by_label("Last name").fill("Müller-Öztürk")
    page.get_by_label("External ID").fill("EXT-77")
    page.get_by_label("Custom1 (PE numbers)").fill("19/39054148101, 52/123456")
    explained = page.locator("#custom1-explained")
    expect(explained).to_contain_text("OrgID 19, number 39054148101")
    expect(explained).to_contain_text("check digit OK")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Jérôme Müller-Öztürk")
    registrations = page.locator("#pe-registrations tbody tr")
    expect(registrations).to_have_count(2)
    expect(registrations.nth(0)).to_contain_text("39054148101")
    expect(registrations.nth(0)).to_contain_text("BIG number")
    expect(registrations.nth(1)).to_contain_text("registration number")

    page.get_by_label("Language").select_option("nl")
    expect(page.get_by_role("heading", name="Tijdlijn")).to_be_visible()
    expect(page.locator("#pe-registrations")).to_contain_text("BIG-nummer")
    # The action by its label, not its code; the summary as stored, in English.
    expect(page.locator("#timeline")).not_to_contain_text("learner.create")
    expect(page.locator("#timeline")).to_contain_text("Jérôme Müller-Öztürk aangemaakt")  # stored in English, shown in the reader's language
    expect(page.locator("#mainnav").get_by_role("link", name="Cursisten")).to_be_visible()
