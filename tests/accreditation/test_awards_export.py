"""Export CSV of the filtered awards: the audit and subscriptions exports' format (streamed, UTF-8 with BOM,
formula-safe cells), read in chunks."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Award
from tests.accreditation.factories import AwardFactory
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict]:
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="pe-awards-')
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_export_holds_the_filtered_awards_with_ids_status_and_message(coordinator_client):
    sent = timezone.now()
    award = AwardFactory(learner=LearnerFactory(external_id="LEARNER-0001", first_name="Jérôme", last_name="Smit"),
                         org_id=52, person_number="59059671101", trigger=Award.EVENT, pe_type=1, pe_course_id="1001",
                         pe_edition_id="10011", pe_meeting_id="100111", status=Award.REJECTED, sent_at=sent,
                         message="100: Professional 59059671101 op regel 2 bestaat niet in PE",
                         sent_xml="<Attendance/>")
    AwardFactory(org_id=19, status=Award.REJECTED)
    AwardFactory(org_id=52, status=Award.ACCEPTED)

    rows = _rows(coordinator_client.get(reverse("award_export"), {"org_id": 52, "status": Award.REJECTED}))

    assert len(rows) == 1
    assert {key: rows[0][key] for key in ("Award ID", "Learner's external ID", "Learner", "OrgID", "PE number",
                                          "Basis", "PE-online course type", "PE Course ID", "PE Module ID",
                                          "PE Edition ID", "PE Meeting ID", "Status", "Message")} == {
        "Award ID": str(award.pk), "Learner's external ID": "LEARNER-0001", "Learner": "Jérôme Smit", "OrgID": "52",
        "PE number": "59059671101", "Basis": "event", "PE-online course type": "1", "PE Course ID": "1001",
        "PE Module ID": "", "PE Edition ID": "10011", "PE Meeting ID": "100111", "Status": "rejected",
        "Message": "100: Professional 59059671101 op regel 2 bestaat niet in PE"}
    assert rows[0]["Sent"] == timezone.localtime(sent).strftime("%Y-%m-%d %H:%M:%S") and "<Attendance" not in str(rows)


def test_a_message_or_name_a_spreadsheet_would_run_is_exported_as_text(coordinator_client):
    AwardFactory(learner=LearnerFactory(first_name="=cmd|' /C calc'!A0"), message="@SUM(1+1)", pe_course_id="-2+3*x")

    row = _rows(coordinator_client.get(reverse("award_export")))[0]

    assert row["Learner"].startswith("'=cmd") and row["Message"] == "'@SUM(1+1)" and row["PE Course ID"] == "'-2+3*x"


def test_the_export_reads_in_chunks_and_makes_the_same_queries_for_more_awards(coordinator_client):
    AwardFactory.create_batch(3, status=Award.WITHDRAWN)
    _rows(coordinator_client.get(reverse("award_export")))  # the session's refresh, once
    with CaptureQueriesContext(connection) as few:
        assert len(_rows(coordinator_client.get(reverse("award_export"), {"status": Award.WITHDRAWN}))) == 3
    AwardFactory.create_batch(30, status=Award.WITHDRAWN)
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(coordinator_client.get(reverse("award_export"), {"status": Award.WITHDRAWN}))) == 33

    assert len(many) == len(few)
    select = next(q["sql"] for q in many.captured_queries if 'FROM "accreditation_award"' in q["sql"])
    assert '"sent_xml"' not in select and '"answer"' not in select  # the large texts stay in the database
