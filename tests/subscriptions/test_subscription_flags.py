"""aNewSpring's "finished" means expired or unsubscribed (seed 002), not completed: an unsubscribed learner
with 0/6 done showed a tick under "Voltooid"."""

import re

import pytest
from django.urls import reverse

from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def cells(html: str) -> dict[str, str]:
    table = html[html.index('id="subscriptions"'):]
    headers = re.findall(r"<th(?:\s[^>]*)?>\s*(?:<a[^>]*>)?([^<]+)", table[:table.index("</thead>")])
    row = table[table.index("<tbody"):table.index("</tr>", table.index("<tbody"))]
    values = re.findall(r"<td(?:\s[^>]*)?>(.*?)</td>", row, re.S)
    return {header.strip(): re.sub(r"<[^>]+>", "", value).strip() for header, value in zip(headers, values)}


def test_an_unsubscribed_learner_who_did_nothing_has_ended_not_completed(coordinator_client):
    subscription = SubscriptionFactory(active=False, finished=True, completed=False, progress_done=0,
                                       progress_total=6)
    coordinator_client.cookies["django_language"] = "nl"

    page = coordinator_client.get(reverse("learner_subscriptions", args=[subscription.learner_id])).text

    row = cells(page)
    assert row["Beëindigd"] == "✔" and row["Voltooid"] == "✘", row
    assert "De inschrijving is verlopen of de deelnemer is uitgeschreven: niet voltooid." in page
