import pytest
from playwright.sync_api import expect

from portal.models import Course, Template
from portal.services import learner_create
from sandbox.anewspring import DEFAULT_API_KEY, WOUND_COURSE_IDS, WOUND_TEMPLATE_ID, AnewspringSandbox
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY, PEOnlineSandbox
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import learner_course_refresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COURSE = WOUND_COURSE_IDS[0]


@pytest.fixture
def anewspring(start_sandbox, settings):
    """aNewSpring with an event activity in the wound care template; PE-online configured too."""
    app = AnewspringSandbox.with_demo_data()
    app.add_activity(WOUND_TEMPLATE_ID, "Skills day", "Event", id="WOUND-EVENT")
    server = start_sandbox(app)
    pe_online = start_sandbox(PEOnlineSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = server.url, DEFAULT_API_KEY
    settings.PE_ONLINE_URL = pe_online.url + BASE_PATH
    settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = DEFAULT_USER_ID, DEFAULT_USER_KEY
    catalogue_sync()
    return app


def test_a_coordinator_records_an_event_configures_it_and_sees_two_awards(logged_in_page, anewspring):
    anna, _warnings = learner_create(data={"external_id": "LEARNER-0001", "first_name": "Anna", "last_name": "Jansen",
                                           "custom1": "19/39054148101"})
    course = Course.objects.get(external_id=COURSE)
    learner_course_refresh(learner=anna, course=course)  # the activities become known
    page = logged_in_page

    page.get_by_role("link", name="Catalogue").click()
    woundcare = Template.objects.get(external_id=WOUND_TEMPLATE_ID)
    page.locator(f"#template-{woundcare.pk}").get_by_role("link", name="PE configuration").click()
    page.get_by_label("a positive assessment on an event").check()
    page.get_by_label("Accreditation type").select_option(label="Course with physical events, accreditation per event")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator('#change-preview [data-count="withdraw"]')).to_have_text("0")
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_role("alert")).to_contain_text("PE configuration saved")
    page.locator("#course-configurations").get_by_role("link", name=course.name).click()

    page.get_by_role("link", name="Add event").click()
    page.get_by_label("Name").fill("Skills day Utrecht")
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("End time").fill("16:30")
    page.get_by_label("Location").fill("Utrecht")
    page.get_by_label("Activity").select_option(label="Skills day")
    page.get_by_label("External ID").fill("EVT-UTR-1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("now give it its PE configuration")

    page.get_by_label("PE Meeting IDs").fill("100111, 100112")
    page.get_by_label("PE Course ID").fill("1001")
    page.get_by_label("PE Edition ID").fill("10011")
    page.get_by_label("Assessment").select_option(label="Attendance")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator('#change-preview [data-count="withdraw"]')).to_have_text("0")
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_role("alert")).to_contain_text("PE configuration saved")
    page.locator(".breadcrumb").get_by_role("link", name=course.name).click()
    expect(page.locator("#course-events tbody tr")).to_contain_text(["Skills day Utrecht"])
    expect(page.locator("#course-events")).to_contain_text("2 meeting IDs")

    anewspring.complete_activity("LEARNER-0001", COURSE, "WOUND-EVENT")
    page.locator("#mainnav").get_by_role("link", name="Learners").click()
    page.get_by_role("link", name="Anna Jansen").click()
    page.locator("main").get_by_role("link", name="Subscriptions").click()
    page.get_by_role("button", name="Refresh from aNewSpring").click()
    page.locator("#mainnav").get_by_role("link", name="PE-online").click()
    rows = page.locator("#awards tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Anna Jansen")
    expect(rows.nth(1)).to_contain_text("Anna Jansen")
    assert sorted(anna.pe_awards.values_list("pe_type", "pe_meeting_id")) == [(1, "100111"), (1, "100112")]
