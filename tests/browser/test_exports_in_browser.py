"""A coordinator working in Dutch downloads the audit log's export and opens it as Dutch Excel does (split on
";", with Dutch headers, labels and readable changes), and finds the jobs list, a submission's outcome and
the bulk resend's confirmation in Dutch."""

import csv
import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accreditation.models import Award
from portal import services
from portal.models import Job
from tests.accreditation.factories import AwardFactory
from tests.factories import JobFactory, LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def test_an_export_downloaded_in_dutch_opens_in_dutch_excel(logged_in_page, live_server, tmp_path):
    learner = LearnerFactory(first_name="Jérôme", last_name="Müller", address="")
    services.learner_update(learner=learner, data={"address": "Dorpsstraat 1, Zeist"})
    page = logged_in_page
    page.get_by_label("Language").select_option("nl")
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    page.goto(f"{live_server.url}/audit/?action=learner.update")
    expect(page.get_by_label("Scheidingsteken")).to_have_value(";")  # Dutch Excel's, unless chosen otherwise
    page.screenshot(path=(Path(SCREENSHOTS) if SCREENSHOTS else tmp_path) / "audit-export-nl.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV exporteren").click()

    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # as Dutch Excel splits a line
    assert len(rows) == 1
    assert rows[0]["Actie"] == "Cursist gewijzigd" and rows[0]["Uitkomst"] == "geslaagd"
    assert rows[0]["Wijzigingen"] == "Adres: — → Dorpsstraat 1, Zeist"
    assert rows[0]["Cursist"] == "Jérôme Müller"


def test_the_jobs_list_submission_outcome_and_resend_confirmation_in_dutch(logged_in_page, live_server, tmp_path):
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    job = JobFactory(kind="pe_awards_submit", title="Submit due awards to PE-online", status=Job.SUCCEEDED,
                     result={"accepted": 2, "rejected": 1})
    rejected = AwardFactory(status=Award.REJECTED)
    page = logged_in_page
    page.get_by_label("Language").select_option("nl")
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    page.get_by_role("link", name="Taken").click()
    expect(page.locator("#jobs")).to_contain_text("PE-toekenningen ingediend")
    page.screenshot(path=shots / "jobs-nl.png", full_page=True)

    # Stored in English, the title is shown in the reader's language.
    page.get_by_role("link", name="Te verzenden toekenningen indienen bij PE-online").click()
    expect(page.locator('#submit-outcome [data-status="accepted"]')).to_have_text("geaccepteerd · 2")
    page.screenshot(path=shots / "submit-job-nl.png", full_page=True)
    page.locator('#submit-outcome [data-status="rejected"]').click()
    expect(page.locator("#awards tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Getoonde afgewezen, mislukte en onbekende toekenningen opnieuw versturen").click()
    expect(page.locator("#resend-count")).to_contain_text("1 afgewezen")
    page.screenshot(path=shots / "resend-confirm-nl.png", full_page=True)
    page.get_by_role("button", name="1 toekenning opnieuw versturen").click()
    page.wait_for_url(f"{live_server.url}/accreditation/?status=rejected")
    rejected.refresh_from_db()
    assert rejected.status == Award.DUE
