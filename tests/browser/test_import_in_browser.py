import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.models import Learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# As Dutch Excel writes it: semicolons, dd-mm-yyyy dates; row 4 has a date that does not exist.
CSV = """ExternalID;FirstName;MiddleName;LastName;Login;Email;DateOfBirth;Custom1
BR-001;Jan;de;Vries;jdevries;jan@example.org;15-03-1980;19/39054148101
BR-002;Piet;;Jansen;pjansen;piet@example.org;;
BR-003;Kees;;Bakker;kbakker;kees@example.org;31-02-1980;
"""


def search_learners(page, text):
    page.get_by_role("main").get_by_label("Search").fill(text)
    page.get_by_role("main").get_by_role("button", name="Search").click()
    return page.get_by_role("main").locator("table")


def test_coordinator_imports_a_csv_with_a_bad_row(logged_in_page, live_server, tmp_path):
    path = tmp_path / "learners.csv"
    path.write_text(CSV, encoding="utf-8")
    page = logged_in_page

    page.get_by_role("link", name="Learners").first.click()
    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import learners")
    page.get_by_label("CSV file").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()

    # The preview names the row, the column and the reason.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of learners.csv")
    bad_row = page.locator('#import-rows tr[data-line="4"]')
    expect(bad_row.locator("td").first).to_have_text("4")
    expect(bad_row).to_contain_text("error")
    expect(bad_row).to_contain_text("DateOfBirth: '31-02-1980' is not a date: write it as yyyy-mm-dd or "
                                    "dd-mm-yyyy, e.g. 1980-03-15 or 15-03-1980.")
    expect(page.get_by_role("alert")).to_contain_text("1 row has errors.")
    assert not Learner.objects.exists()  # nothing written before the confirmation

    page.get_by_label("Import the valid rows only").check()
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Import of learners.csv")
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=20_000)
    expect(bar).to_have_text("100%")
    expect(page.locator("#job-progress [data-job-status]")).to_have_attribute("data-job-status", "succeeded")
    expect(page.locator("#job-progress")).to_contain_text("2 learners created; 0 learners updated.")

    page.get_by_role("link", name="Learners").first.click()
    table = search_learners(page, "Vries")
    expect(table).to_contain_text("Jan de Vries")
    expect(table).to_contain_text("19/39054148101")
    table = search_learners(page, "pjansen")
    expect(table).to_contain_text("Piet Jansen")
    table = search_learners(page, "Bakker")
    expect(table).not_to_contain_text("Kees")
    assert not Learner.objects.filter(external_id="BR-003").exists()
    assert Learner.objects.count() == 2


def test_without_a_broker_the_page_follows_the_check_then_shows_the_preview(logged_in_page, live_server, job_threads,
                                                                             tmp_path):
    path = tmp_path / "learners.csv"
    path.write_text(CSV, encoding="utf-8")
    page = logged_in_page
    job_threads.launch()  # keeps the one background thread busy: the check waits its turn

    page.goto(f"{live_server.url}{reverse('import_upload')}")
    page.get_by_label("CSV file").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Checking learners.csv")  # the upload answered
    expect(page.locator("#import-checking [data-job-status]")).to_have_attribute("data-job-status", "queued")
    job_threads.open()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of learners.csv")  # polled, then reloaded
    expect(page.locator('#import-rows tr[data-line="4"]')).to_contain_text("error")
