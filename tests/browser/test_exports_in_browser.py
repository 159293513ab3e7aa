"""A coordinator working in Dutch downloads the audit log's export and opens it as Dutch Excel does: split on
";", with Dutch headers, labels and readable changes."""

import csv
import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal import services
from tests.factories import LearnerFactory

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
