"""A coordinator working in Dutch downloads the rows with errors, corrects them as in Dutch Excel and uploads
the file again: it imports as it was meant, its formula cell as plain text."""

import csv
import io

import pytest
from playwright.sync_api import expect

from portal.models import Learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = """ExternalID;FirstName;LastName;Login;Password;Company;DateOfBirth
NL-001;Jan;Vries;jvries;Geheim1;ACME;15-03-1980
NL-002;Piet;;pjansen;Geheim2;=1+1;1975-02-01
NL-003;Kees;Bakker;kbakker;;ACME;31-02-1980
"""


def check(page, path):
    page.get_by_label("CSV-bestand").set_input_files(path)
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Voorbeeld van {path.name}")


def test_the_rows_with_errors_are_downloaded_corrected_and_uploaded_again_in_dutch(logged_in_page, live_server,
                                                                                  tmp_path):
    path = tmp_path / "cursisten.csv"
    path.write_text(CSV, encoding="utf-8")
    page = logged_in_page
    page.get_by_label("Language").select_option("nl")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.goto(f"{live_server.url}/imports/")
    check(page, path)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download de rijen met fouten").click()
    assert download.value.suggested_filename == "cursisten-errors.csv"
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # as Dutch Excel splits a line
    assert rows == [
        ["ExternalID", "FirstName", "LastName", "Login", "Company", "DateOfBirth", "Errors"],
        ["NL-002", "Piet", "", "pjansen", "'=1+1", "1975-02-01", "LastName: is verplicht: vul het in."],
        ["NL-003", "Kees", "Bakker", "kbakker", "ACME", "31-02-1980",
         "DateOfBirth: '31-02-1980' is geen datum: schrijf hem als jjjj-mm-dd of dd-mm-jjjj, bijv. 1980-03-15 of "
         "15-03-1980."],
    ]

    # Corrected in Excel (which shows and saves the apostrophe it did not put there itself), and saved again.
    rows[1][2], rows[2][5] = "Jansen", "28-02-1980"
    corrected = tmp_path / "cursisten-gecorrigeerd.csv"
    with corrected.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file, delimiter=";").writerows(rows)
    page.goto(f"{live_server.url}/imports/")
    check(page, corrected)
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-warning")).to_have_count(0)  # the Errors column is no unknown column
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#job-progress")).to_contain_text("2 cursisten aangemaakt; 0 cursisten bijgewerkt.", timeout=20_000)

    piet, kees = Learner.objects.order_by("external_id")
    assert (piet.last_name, piet.company, kees.date_of_birth.isoformat()) == ("Jansen", "=1+1", "1980-02-28")

    # Both uploads in the list of past imports: the first checked and never confirmed.
    page.goto(f"{live_server.url}/imports/")
    page.get_by_role("link", name="Eerdere imports").click()
    expect(page.locator("#imports tbody tr")).to_have_count(2)
    expect(page.locator('#imports tr[data-status="imported"]')).to_contain_text("geïmporteerd")
    expect(page.locator('#imports tr[data-status="checked"]')).to_contain_text("gecontroleerd, niet bevestigd")
    page.screenshot(path=tmp_path / "past-imports-nl.png", full_page=True)
