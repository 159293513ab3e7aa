import pytest
from playwright.sync_api import expect

from sandbox.anewspring import DEFAULT_API_KEY, AnewspringSandbox
from subscriptions.services.catalogue import catalogue_sync
from tests.factories import LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anewspring(start_sandbox, settings):
    sandbox = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = sandbox.url, DEFAULT_API_KEY
    catalogue_sync()
    return sandbox


def test_coordinator_subscribes_two_learners_changes_one_and_unsubscribes_one(logged_in_page, live_server,
                                                                              anewspring):
    LearnerFactory(external_id="LEARNER-0003", first_name="Sam", last_name="Smith")
    LearnerFactory(external_id="NEW-0001", first_name="Piet", last_name="Pieters", custom1="52/123456")
    page = logged_in_page

    page.get_by_role("link", name="Subscribe").first.click()
    page.get_by_label("Course").select_option(label="Wound care update March 2026 (WOUNDCARE-2026-02)")
    page.locator("#learner-select tr", has_text="Sam Smith").get_by_role("checkbox").check()
    page.locator("#learner-select tr", has_text="Piet Pieters").get_by_role("checkbox").check()
    page.get_by_role("button", name="Subscribe").click()

    bar = page.locator("#job-progress .progress-bar")
    expect(bar).to_have_attribute("data-progress", "100")
    expect(bar).to_have_text("100%")
    outcomes = page.locator("#outcomes tbody tr")
    expect(outcomes).to_have_count(2)
    expect(page.locator("#outcomes [data-status=subscribed]")).to_have_count(2)
    expect(page.locator("#job-summary")).to_contain_text("2 subscribed, 0 already subscribed")
    assert anewspring.app.subscription("NEW-0001", "WOUNDCARE-2026-02") is not None

    outcomes.filter(has_text="Sam Smith").get_by_role("link", name="Results").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wound care update March 2026")
    expect(page.locator("#activities")).to_contain_text("Practical skills day")
    expect(page.locator("#activities")).to_contain_text("External activity")

    page.get_by_role("link", name="Change dates").click()
    page.get_by_label("Expiry date").fill("2027-06-30")
    page.get_by_role("button", name="Save dates").click()
    expect(page.get_by_role("alert")).to_contain_text("Subscription changed.")
    expect(page.locator("#expire-date")).to_have_text("2027-06-30")

    page.get_by_role("link", name="Unsubscribe").click()
    page.get_by_role("button", name="Yes, unsubscribe").click()
    expect(page.get_by_role("alert")).to_contain_text("Sam Smith is unsubscribed")
    expect(page.locator("#subscriptions")).to_contain_text("unsubscribed")
    assert anewspring.app.subscription("LEARNER-0003", "WOUNDCARE-2026-02").unsubscribed

    page.get_by_role("link", name="Audit log").click()
    log = page.locator("main table")
    for label in ("Subscribed", "Subscription dates changed", "Unsubscribed", "Remote call",
                  "Learner created in aNewSpring"):
        expect(log).to_contain_text(label)
    page.get_by_label("Action").select_option(label="Unsubscribed")
    page.get_by_role("button", name="Filter").click()
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log).to_contain_text("Sam Smith")


def test_coordinator_tests_the_connection_from_the_dashboard(logged_in_page, anewspring, settings):
    page = logged_in_page
    page.reload()  # the dashboard, now that aNewSpring is configured
    slot = page.locator('[data-integration="anewspring"]')
    slot.get_by_role("button", name="Test connection").click()
    expect(page.locator(".alert-success")).to_contain_text("aNewSpring: Connected: aNewSpring lists")

    settings.ANEWSPRING_API_KEY = "wrong-key"
    slot.get_by_role("button", name="Test connection").click()
    expect(page.locator(".alert-danger")).to_contain_text("the connection test failed: aNewSpring refused the API key")


def test_coordinator_sees_the_licences_a_group_will_use_before_subscribing_it(logged_in_page, anewspring):
    from subscriptions.services.groups import learner_group_save

    # In aNewSpring, GRP-NURSES also holds LEARNER-0003, who has left the group in the portal.
    jan = LearnerFactory(external_id="LEARNER-0002", first_name="Jan", last_name="Vries")
    learner_group_save(group=None, data={"external_id": "GRP-NURSES", "name": "Nurses 2026"}, members=[jan])
    page = logged_in_page

    page.get_by_role("link", name="Subscribe").first.click()
    page.get_by_label("Course").select_option(label="Wound care update March 2026 (WOUNDCARE-2026-02)")
    page.get_by_label("Or a learner group").select_option(label="Nurses 2026")
    page.get_by_role("button", name="Subscribe").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Subscribe Nurses 2026 to")
    expect(page.locator("#group-licences")).to_contain_text("Licences this will use")
    page.get_by_role("button", name="Yes, use 1 licence").click()

    expect(page.locator("#job-progress .progress-bar")).to_have_attribute("data-progress", "100")
    expect(page.locator("#job-summary")).to_contain_text("1 subscribed")
    assert anewspring.app.subscription("LEARNER-0002", "WOUNDCARE-2026-02") is not None
    assert anewspring.app.subscription("LEARNER-0003", "WOUNDCARE-2026-02") is None
