"""The awards list with the ledger's new statuses: blocked (no completion date), accepted under earlier PE
IDs and withdrawn are filters, counts, badges and colours of the chart like the others."""

import re

import pytest
from django.conf import settings

from accreditation.models import Award
from tests.accreditation.factories import AwardFactory

pytestmark = pytest.mark.django_db
NEW_STATUSES = [Award.NO_DATE, Award.SUPERSEDED, Award.WITHDRAWN]


def test_the_new_statuses_are_counted_drawn_and_shown(coordinator_client):
    for status in NEW_STATUSES:
        AwardFactory(status=status)
    AwardFactory(status=Award.WITHDRAWN)

    page = coordinator_client.get("/accreditation/").text

    pills = dict(re.findall(r'data-status="(\w+)">[^<]*<span class="badge text-bg-light">(\d+)</span>', page))
    assert pills == {**{status: "0" for status, _label in Award.STATUS_CHOICES},
                     Award.NO_DATE: "1", Award.SUPERSEDED: "1", Award.WITHDRAWN: "2"}
    for status in NEW_STATUSES:
        assert f'<rect class="chart-{status}"' in page and f'legend-swatch chart-{status}' in page
    assert "blocked: no completion date" in page and "accepted under earlier PE IDs" in page
    assert page.count('<span class="badge text-bg-secondary">withdrawn</span>') == 2  # the rows


@pytest.mark.parametrize("status", NEW_STATUSES)
def test_the_list_filters_on_each_new_status(coordinator_client, status):
    AwardFactory(status=status, pe_course_id="4711")
    AwardFactory(status=Award.DUE, pe_course_id="4712")

    page = coordinator_client.get("/accreditation/", {"status": status}).text

    assert f'<option value="{status}" selected>' in page
    assert page.count("<tr data-status=") == 1 and "4711" in page and "4712" not in page


def test_the_counts_follow_the_filters(coordinator_client):
    AwardFactory(status=Award.NO_DATE, org_id=52)
    AwardFactory(status=Award.NO_DATE, org_id=19)

    page = coordinator_client.get("/accreditation/", {"org_id": 52}).text

    assert re.search(r'data-status="no_date">[^<]*<span class="badge text-bg-light">1</span>', page)


def test_every_status_has_a_colour_in_the_chart_and_its_legend():
    css = (settings.BASE_DIR / "static" / "portal" / "portal.css").read_text()
    missing = [status for status, _label in Award.STATUS_CHOICES
               if f".chart-{status} " not in css or f".legend-swatch.chart-{status} " not in css]
    assert missing == []


def test_the_chart_draws_in_dutch_with_plain_numbers(coordinator_client):
    """Dutch writes 671,8 for 671.8: an SVG coordinate written so is no number and the bar is not drawn."""
    AwardFactory(status=Award.WITHDRAWN)
    AwardFactory(status=Award.ACCEPTED)
    coordinator_client.cookies["django_language"] = "nl"

    page = coordinator_client.get("/accreditation/", HTTP_ACCEPT_LANGUAGE="nl").text

    assert '<html lang="nl">' in page and "ingetrokken" in page
    svg = page[page.index("<svg"):page.index("</svg>")]
    coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert coordinates and [c for c in coordinates if not re.fullmatch(r"\d+(\.\d+)?%?", c)] == []
