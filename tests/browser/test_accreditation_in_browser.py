import pytest
from playwright.sync_api import expect

from sandbox.anewspring import DEFAULT_API_KEY, WOUND_COURSE_IDS, AnewspringSandbox
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY, PEOnlineSandbox
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import learner_course_refresh
from portal.models import Course, Template
from portal.services import learner_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COURSE = WOUND_COURSE_IDS[0]


@pytest.fixture
def systems(start_sandbox, settings):
    anewspring = start_sandbox(AnewspringSandbox.with_demo_data())
    pe_online = start_sandbox(PEOnlineSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = anewspring.url, DEFAULT_API_KEY
    settings.PE_ONLINE_URL = pe_online.url + BASE_PATH
    settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = DEFAULT_USER_ID, DEFAULT_USER_KEY
    catalogue_sync()
    anewspring.app.subscribe("LEARNER-0003", COURSE)
    return anewspring.app, pe_online.app


def refresh_results(page, learner_name):
    page.locator("#mainnav").get_by_role("link", name="Learners").click()
    page.get_by_role("link", name=learner_name).click()
    page.locator("main").get_by_role("link", name="Subscriptions").click()
    page.get_by_role("button", name="Refresh from aNewSpring").click()


def submit_due_awards(page):
    page.locator("#mainnav").get_by_role("link", name="PE-online").click()
    page.get_by_role("button", name="Submit due awards now").click()
    page.locator("#mainnav").get_by_role("link", name="PE-online").click()


def test_coordinator_configures_a_template_sees_an_award_accepted_and_a_rejection_fixed(logged_in_page, systems):
    anewspring, pe_online = systems
    anna, _warnings = learner_create(data={"external_id": "LEARNER-0001", "first_name": "Anna", "last_name": "Jansen",
                                           "custom1": "19/39054148101"})
    sam, _warnings = learner_create(data={"external_id": "LEARNER-0003", "first_name": "Sam", "last_name": "Smith",
                                          "custom1": "19/59059671101"})
    learner_course_refresh(learner=anna, course=Course.objects.get(external_id=COURSE))  # the activities become known
    page = logged_in_page

    page.get_by_role("link", name="Catalogue").click()
    woundcare = Template.objects.get(external_id="WOUNDCARE")
    page.locator(f"#template-{woundcare.pk}").get_by_role("link", name="PE configuration").click()
    page.get_by_label("Accreditation type").select_option(label="Expertise groups / ICO / ICT")
    page.get_by_label("Course completing activity", exact=True).select_option(label="Final test")
    page.get_by_label("PE Course ID").fill("8001")
    page.get_by_label("OrgID (register)").fill("19")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator('#change-preview [data-count="withdraw"]')).to_have_text("0")
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_role("alert")).to_contain_text("PE configuration saved")

    anewspring.complete_activity("LEARNER-0001", COURSE, "WOUND-TEST", score=80)
    refresh_results(page, "Anna Jansen")
    submit_due_awards(page)
    rows = page.locator("#awards tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Anna Jansen")
    expect(rows.first).to_contain_text("accepted")
    assert [a.person for a in pe_online.attendances] == ["39054148101"]

    page.locator("#mainnav").get_by_role("link", name="Learners").click()
    page.get_by_role("link", name="Sam Smith").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Custom1 (PE numbers)").fill("19/59059671102")  # one digit off
    page.get_by_role("button", name="Save").click()
    anewspring.complete_activity("LEARNER-0003", COURSE, "WOUND-TEST", score=90)
    refresh_results(page, "Sam Smith")
    submit_due_awards(page)
    rejected = page.locator("#awards tbody tr", has_text="Sam Smith")
    expect(rejected).to_contain_text("rejected")
    expect(rejected).to_contain_text("Professional 59059671102 op regel 2 bestaat niet in PE")

    page.locator("#mainnav").get_by_role("link", name="Learners").click()
    page.get_by_role("link", name="Sam Smith").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Custom1 (PE numbers)").fill("19/59059671101")
    page.get_by_role("button", name="Save").click()
    page.locator("#learner-awards").get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("19/59059671101")
    page.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("alert")).to_contain_text("due again")
    submit_due_awards(page)
    expect(page.locator("#awards tbody tr", has_text="Sam Smith")).to_contain_text("accepted")
    assert sorted(a.person for a in pe_online.attendances) == ["39054148101", "59059671101"]
    assert sam.pe_awards.get().status == "accepted"
