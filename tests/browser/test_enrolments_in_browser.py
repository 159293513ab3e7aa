import pytest
from playwright.sync_api import expect

from enrolments.models import Enrolment
from enrolments.services import ReferenceSyncIncomplete, reference_sync
from sandbox.learning_assistant import DEFAULT_PASSWORD, DEFAULT_USERNAME, LearningAssistantSandbox
from tests.enrolments.test_answer_shapes import OtherNamesSandbox
from tests.factories import LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learning_assistant(start_sandbox, settings):
    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data())
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    return sandbox


def test_coordinator_enrols_an_apprentice_changes_the_end_date_and_follows_progress(logged_in_page, live_server,
                                                                                    learning_assistant):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", email="amira@example.org", function="Carer")
    page = logged_in_page

    page.get_by_role("link", name="Enrolments").click()
    page.get_by_role("link", name="Reference data").click()
    page.get_by_role("button", name="Sync from Learning Assistant").click()
    expect(page.locator("[data-job-status]")).to_have_attribute("data-job-status", "succeeded")
    page.get_by_role("link", name="See the result").click()
    expect(page.locator("#reference-syncs [data-list=frameworks]")).to_contain_text("Adult Care Worker Level 2")

    page.goto(f"{live_server.url}{learner.get_absolute_url()}")
    page.get_by_role("link", name="Enrol in Learning Assistant").click()
    expect(page.get_by_label("Forename")).to_have_value("Amira")
    page.get_by_label("Framework").select_option(label="Adult Care Worker Level 2 (603/4817/3)")
    expect(page.get_by_label("ACW-01 Duty of care (mandatory)")).to_be_checked()
    page.get_by_label("ACW-03 Dementia awareness").check()
    page.get_by_label("Primary assessor").select_option(label="Ava Assessor")
    page.get_by_label("Primary verifier").select_option(label="Victor Verifier")
    page.get_by_label("Company").select_option(label="Harbour Care Ltd")
    page.get_by_label("Start date").fill("2026-09-01")
    page.get_by_label("Planned end date").fill("2027-08-31")
    page.get_by_label("ULN").fill("9276308687")  # one digit off: the check digit fails
    page.get_by_label("National Insurance number").fill("AB123456C")
    page.get_by_role("button", name="Enrol").click()

    expect(page.locator("#enrol-form")).to_contain_text("is not a valid ULN: its check digit does not match")
    expect(page.get_by_label("National Insurance number")).to_have_value("AB123456C")
    expect(page.get_by_label("ACW-03 Dementia awareness")).to_be_checked()
    assert learning_assistant.app.enrolments == []
    page.get_by_label("ULN").fill("9276308686")
    page.get_by_role("button", name="Enrol").click()

    expect(page.get_by_role("alert")).to_contain_text("Amira Khan is enrolled on Adult Care Worker Level 2")
    [sent] = learning_assistant.app.enrolments
    assert sent.fields["ULN"] == "9276308686" and len(sent.units) == 3

    page.get_by_role("link", name="Edit enrolment").click()
    expect(page.get_by_label("Forename")).to_be_disabled()
    page.get_by_label("Planned end date").fill("2027-12-31")
    page.get_by_role("button", name="Review changes").click()
    expect(page.locator("#update-preview tbody tr")).to_have_count(3)  # two identifiers and the one change
    expect(page.locator("#update-preview")).to_contain_text("2027-12-31")
    page.get_by_role("button", name="Send to Learning Assistant").click()
    expect(page.get_by_role("alert")).to_contain_text("Enrolment changed in Learning Assistant.")
    expect(page.locator("#planned-end-date")).to_have_text("2027-12-31")
    assert learning_assistant.app.updates[-1]["PlannedEndDate"] == "2027-12-31"

    page.get_by_role("button", name="Pull progress").click()
    learning_assistant.app.advance(days=12)
    page.get_by_role("button", name="Pull progress").click()
    expect(page.get_by_role("alert")).to_contain_text("Progress pulled from Learning Assistant: 40%")
    expect(page.locator("#progress-chart circle")).to_have_count(2)
    expect(page.locator("#units")).to_contain_text("Explain what duty of care means")
    expect(page.locator("#overall-progress .progress-bar")).to_have_text("40%")
    assert Enrolment.objects.get().planned_end_date.isoformat() == "2027-12-31"


def test_a_coordinator_sees_in_dutch_which_assumed_answer_was_wrong(logged_in_page, live_server, start_sandbox,
                                                                    settings, tmp_path):
    """The reference page names the list that could not be read; Check the answers shows why, per operation."""
    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data(answers=["no_roles"]))
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    reference_sync()
    sandbox.app.__class__ = OtherNamesSandbox  # the companies now come under names the portal does not know
    with pytest.raises(ReferenceSyncIncomplete):
        reference_sync()
    page = logged_in_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Language").select_option("nl")
    expect(page.locator("#mainnav").get_by_role("link", name="Cursisten")).to_be_visible()
    page.goto(f"{live_server.url}/enrolments/reference/")
    expect(page.locator("[data-list-error=companies]")).to_contain_text(
        "Niet gesynchroniseerd om")
    # The message is stored as the sync wrote it (in English).
    expect(page.locator("[data-list-error=companies]")).to_contain_text("GetCompanies: items have ID, Title")
    expect(page.get_by_role("cell", name="Ava Assessor").locator("..")).to_contain_text(
        "rol niet opgegeven door Learning Assistant")
    page.screenshot(path=tmp_path / "reference-nl.png", full_page=True)

    page.get_by_role("button", name="Antwoorden controleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning Assistant: de antwoorden gecontroleerd")
    expect(page.locator("[data-operation=GetCompanies]")).to_have_class("table-danger")
    expect(page.locator("[data-operation=GetTrainers]")).to_contain_text("Geen rolaanduiding")
    expect(page.locator("[data-operation=GetFrameworks]")).to_contain_text("gelezen")
    page.screenshot(path=tmp_path / "answer-check-nl.png", full_page=True)


def test_in_dutch_a_framework_with_an_odd_qan_is_enrolled_on_with_a_warning(logged_in_page, live_server,
                                                                           start_sandbox, settings, tmp_path):
    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data(answers=["no_roles", "plain_names"]))
    sandbox.app.frameworks[0].qan = "60/2977/3"
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    reference_sync()
    learner = LearnerFactory(first_name="Amira", last_name="Khan", gender="V")
    page = logged_in_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Language").select_option("nl")
    expect(page.locator("#mainnav").get_by_role("link", name="Cursisten")).to_be_visible()
    page.goto(f"{live_server.url}/learners/{learner.pk}/enrol/")
    page.locator("[name=framework]").select_option(label="Adult Care Worker Level 2 (60/2977/3)")
    expect(page.locator("#units-field")).to_contain_text("ACW-01")
    unknown_role = " (rol niet opgegeven door Learning Assistant)"
    page.locator("[name=primary_assessor_uuid]").select_option(label="Ava Assessor" + unknown_role)
    page.locator("[name=primary_verifier_uuid]").select_option(label="Bea Both" + unknown_role)
    page.locator("[name=company_uuid]").select_option(label="Harbour Care Ltd")
    page.locator("[name=start_date]").fill("2026-09-01")
    page.locator("[name=planned_end_date]").fill("2027-08-31")
    expect(page.locator("[name=gender]")).to_have_value("Female")  # the learner's own "V"
    page.screenshot(path=tmp_path / "enrol-nl.png", full_page=True)
    page.locator("#enrol-form button[type=submit]").click()

    expect(page.locator(".alert-warning")).to_contain_text("60/2977/3 is geen QAN")
    page.screenshot(path=tmp_path / "enrolled-nl.png", full_page=True)
    expect(page.get_by_role("alert").filter(has_text="is aangemeld")).to_be_visible()
    [sent] = sandbox.app.enrolments
    assert sent.course_uuid == sandbox.app.frameworks[0].uuid and sent.fields["Gender"] == "Female"


def test_filtering_the_learners_to_enrol_keeps_the_framework_trainers_dates_and_ticks(logged_in_page, live_server,
                                                                                      learning_assistant):
    reference_sync()
    LearnerFactory(first_name="Sanne", last_name="Visser")
    LearnerFactory(first_name="Daan", last_name="Bakker")
    page = logged_in_page
    page.goto(f"{live_server.url}/enrolments/bulk/")
    page.get_by_label("Framework").select_option(label="Adult Care Worker Level 2 (603/4817/3)")
    page.get_by_label("ACW-03 Dementia awareness").check()
    page.get_by_label("Primary assessor").select_option(label="Ava Assessor")
    page.get_by_label("Primary verifier").select_option(label="Victor Verifier")
    page.locator("#id_company_uuid").select_option(label="Harbour Care Ltd")  # the filter has a Company too
    page.get_by_label("Start date").fill("2026-09-01")
    page.get_by_label("Planned end date").fill("2027-08-31")
    page.get_by_role("row", name="Sanne Visser").get_by_role("checkbox").check()
    page.locator("#id_q").fill("bakker")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#learner-pick")).not_to_contain_text("Sanne Visser")
    expect(page.locator("#ticked-elsewhere")).to_contain_text("1 learner ticked before")
    expect(page.get_by_label("ACW-03 Dementia awareness")).to_be_checked()
    expect(page.get_by_label("Primary assessor").locator("option:checked")).to_have_text("Ava Assessor")
    expect(page.locator("#id_company_uuid option:checked")).to_have_text("Harbour Care Ltd")
    expect(page.get_by_label("Start date")).to_have_value("2026-09-01")
    page.get_by_role("row", name="Daan Bakker").get_by_role("checkbox").check()
    page.get_by_role("button", name="Enrol the selected learners").click()

    expect(page.locator("[data-job-status]")).to_have_attribute("data-job-status", "succeeded")
    assert sorted(str(e.learner) for e in Enrolment.objects.all()) == ["Daan Bakker", "Sanne Visser"]


def test_paging_through_the_learners_to_enrol_keeps_the_choices_and_ticks(logged_in_page, live_server,
                                                                         learning_assistant):
    reference_sync()
    LearnerFactory.create_batch(26)  # two pages of 25
    page = logged_in_page
    page.goto(f"{live_server.url}/enrolments/bulk/")
    page.get_by_label("Framework").select_option(label="Adult Care Worker Level 2 (603/4817/3)")
    page.get_by_label("Start date").fill("2026-09-01")
    first_row = page.locator("#learner-pick tbody tr").first
    first = first_row.get_by_role("cell").nth(1).inner_text()
    first_row.get_by_role("checkbox").check()
    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()

    expect(page.locator("#learner-pick")).not_to_contain_text(first)
    expect(page.locator("#ticked-elsewhere")).to_contain_text("1 learner ticked before")
    expect(page.get_by_label("Start date")).to_have_value("2026-09-01")
    page.locator(".pagination").get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_role("row", name=first).get_by_role("checkbox")).to_be_checked()
    expect(page.get_by_label("Start date")).to_have_value("2026-09-01")
    page.get_by_role("row", name=first).get_by_role("checkbox").uncheck()  # the links must not tick it again
    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()
    expect(page.locator("#learner-pick")).not_to_contain_text(first)
    expect(page.locator("#ticked-elsewhere")).to_have_count(0)
