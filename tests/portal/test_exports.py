"""The CSV exports (audit log, subscriptions, awards) as a coordinator opens them in Excel: in Dutch split on
";", with translated headers, local times without microseconds, labels rather than codes and readable
changes; the page's choice of separator wins over the language's."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accreditation.models import Award
from portal import services
from portal.models import AuditEvent
from tests.accreditation.factories import AwardFactory
from tests.factories import AuditEventFactory, LearnerFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 7, 13, 5, 9, 123456, tzinfo=UTC)  # 14:05:09 in Amsterdam


def _dutch_rows(client, name, **params) -> list[dict]:
    response = client.get(reverse(name), params, HTTP_ACCEPT_LANGUAGE="nl")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].count(";") > 5  # split as Dutch Excel splits it
    return list(csv.DictReader(io.StringIO(body), delimiter=";"))


def test_the_audit_export_in_dutch_reads_as_text(coordinator_client):
    learner = LearnerFactory(first_name="Jérôme", address="")
    services.learner_update(learner=learner, data={"address": "Dorpsstraat 1"})
    AuditEventFactory(action="learner.create", learner=learner, outcome=AuditEvent.OUTCOME_FAILURE,
                      created_at=MOMENT, summary="created")

    rows = {row["Samenvatting"]: row for row in _dutch_rows(coordinator_client, "audit_export")}

    created = rows["created"]
    assert created["Tijdstip"] == "2026-12-07 14:05:09"
    assert created["Actie"] == "Cursist aangemaakt" and created["Uitkomst"] == "mislukt"
    assert created["Systeem"] == "Portaal"
    changed = next(row for summary, row in rows.items() if summary.startswith("Changed"))
    assert changed["Wijzigingen"] == "Adres: — → Dorpsstraat 1"


def test_the_subscription_export_in_dutch_shows_status_labels(coordinator_client):
    SubscriptionFactory(results_refreshed_at=MOMENT)

    row = _dutch_rows(coordinator_client, "subscription_export")[0]

    assert row["Status"] == "niet gestart" and row["Resultaten vernieuwd"] == "2026-12-07 14:05:09"


def test_the_award_export_in_dutch_shows_labels_and_local_times(coordinator_client):
    AwardFactory(status=Award.REJECTED, trigger=Award.EVENT,
                 sent_at=MOMENT, message="100: onbekend")

    row = _dutch_rows(coordinator_client, "award_export")[0]

    assert row["Status"] == "afgewezen" and row["Grondslag"] == "evenement"
    assert row["Verzonden"] == "2026-12-07 14:05:09" and row["Bericht"] == "100: onbekend"


@pytest.mark.parametrize("name", ["audit_export", "subscription_export", "award_export"])
def test_the_separator_chosen_on_the_page_wins_over_the_language(coordinator_client, name):
    AuditEventFactory()
    SubscriptionFactory()
    AwardFactory()
    english = coordinator_client.get(reverse(name))
    dutch_with_commas = coordinator_client.get(reverse(name), {"separator": ","}, HTTP_ACCEPT_LANGUAGE="nl")
    english_with_semicolons = coordinator_client.get(reverse(name), {"separator": ";"})

    def header(response):
        return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]

    assert ";" not in header(english) and ";" not in header(dutch_with_commas)
    assert "," not in header(english_with_semicolons)


def test_the_list_pages_offer_the_separator_of_the_readers_language(coordinator_client):
    for name in ("audit_list", "subscription_list", "award_list"):
        dutch = coordinator_client.get(reverse(name), {"outcome": "failure"}, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
        assert '<option value=";" selected>' in dutch, name
        english = coordinator_client.get(reverse(name)).content.decode()
        assert '<option value="," selected>' in english, name
    page = coordinator_client.get(reverse("audit_list"), {"outcome": "failure"}).content.decode()
    assert '<input type="hidden" name="outcome" value="failure">' in page  # the export keeps the filters
