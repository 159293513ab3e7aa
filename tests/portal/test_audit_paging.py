"""The audit log pages by keyset: older and newer reach every event, whatever its depth, with the filters kept."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from portal.pagination import OLDEST
from portal.views import AuditListView

pytestmark = pytest.mark.django_db
PER_PAGE = 25


@pytest.fixture
def events() -> list[int]:
    """130 events, several sharing one time (the cursor's id decides between them), newest first."""
    start = timezone.now() - timedelta(days=1)
    AuditEvent.objects.append([{"actor": "system", "action": "learner.update", "system": "portal",
                                "created_at": start + timedelta(seconds=n // 3)} for n in range(130)])
    return list(AuditEvent.objects.order_by("-created_at", "-id").values_list("id", flat=True))


def _page(client, **params):
    response = client.get(reverse("audit_list"), {"per_page": PER_PAGE, **params})
    assert response.status_code == 200
    page = response.context["table"].keyset
    return [event.pk for event in page.object_list], page, response.content.decode()


def test_older_walks_through_every_event_once_and_newer_walks_back(coordinator_client, events):
    seen, pages, cursor = [], [], None
    while True:
        ids, page, _html = _page(coordinator_client, **({"older": cursor} if cursor else {}))
        seen += ids
        pages.append(ids)
        if not page.older:
            break
        cursor = page.older
    assert seen == events and len(pages) == 6

    back, cursor = [], page.newer
    while cursor:
        ids, page, _html = _page(coordinator_client, newer=cursor)
        back.append(ids)
        cursor = page.newer
    assert back == pages[-2::-1]


def test_the_oldest_page_holds_the_oldest_events(coordinator_client, events):
    ids, page, html = _page(coordinator_client, newer=OLDEST)
    assert ids == events[-PER_PAGE:]
    assert page.older is None and page.newer
    ids, page, html = _page(coordinator_client, newer=page.newer)
    assert ids == events[-2 * PER_PAGE:-PER_PAGE]


def test_the_links_keep_the_filters(coordinator_client, events):
    AuditEvent.objects.append([{"actor": "system", "action": "learner.update", "system": "anewspring"}])
    ids, page, html = _page(coordinator_client, system="portal")
    assert ids == events[:PER_PAGE]
    assert f"?per_page={PER_PAGE}&amp;system=portal&amp;older={page.older}" in html
    ids, page, html = _page(coordinator_client, system="portal", older=page.older)
    assert ids == events[PER_PAGE:2 * PER_PAGE]


@pytest.mark.parametrize("cursor", ["", "junk", "1-", "-1-5", "1.5-3", "12345678901234567-1", "1-1234567890123456789",
                                    "1-2-3", "１２-３"])
def test_a_cursor_that_is_not_one_shows_the_newest_page(coordinator_client, events, cursor):
    assert _page(coordinator_client, older=cursor)[0] == events[:PER_PAGE]
    assert _page(coordinator_client, newer=cursor)[0] == events[:PER_PAGE]


def test_a_cursor_beyond_either_end_shows_an_empty_page(coordinator_client, events):
    assert _page(coordinator_client, older="1-1")[0] == []
    assert _page(coordinator_client, newer="9999999999999999-999999999999999999")[0] == []


def test_the_log_counts_at_most_its_cap_and_says_so(coordinator_client, events, monkeypatch):
    _ids, page, html = _page(coordinator_client)
    assert page.count == 130 and not page.count_capped and "130 events match" in html

    monkeypatch.setattr(AuditListView, "count_cap", 100)
    ids, page, html = _page(coordinator_client, older=page.older)

    assert page.count == 100 and page.count_capped and "More than 100 events match" in html
    assert ids == events[PER_PAGE:2 * PER_PAGE]  # the cap limits the count, not the paging
