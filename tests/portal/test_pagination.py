"""Every paginated page shows 25, 50, 100 or 250 rows, whatever ?per_page and ?page say."""

import pytest
from django.urls import reverse

from portal.pagination import PAGE_SIZES
from tests.factories import JobFactory, LearnerFactory, LearnerImportFactory
from tests.subscriptions.factories import LearnerGroupFactory

pytestmark = pytest.mark.django_db

# page -> (its default page size, how to build its URL)
PAGES = {
    "learner_list": (25, lambda: reverse("learner_list")),
    "audit_list": (25, lambda: reverse("audit_list")),
    "subscribe": (50, lambda: reverse("subscribe")),
    "subscription_list": (25, lambda: reverse("subscription_list")),
    "group_list": (25, lambda: reverse("group_list")),
    "import_preview": (50, lambda: reverse("import_preview", args=[LearnerImportFactory().pk])),
    "award_list": (25, lambda: reverse("award_list")),
    "accreditation_templates": (25, lambda: reverse("accreditation_templates")),
    "enrolment_list": (25, lambda: reverse("enrolment_list")),
    "enrolment_reference": (25, lambda: reverse("enrolment_reference")),
    "enrolment_bulk": (25, lambda: reverse("enrolment_bulk")),
}


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("per_page", ["-5", "0", "junk", "1000000", "99999999999999999999", "26"])
def test_a_page_size_outside_the_fixed_set_falls_back_to_the_default(coordinator_client, name, per_page):
    default, url = PAGES[name]
    response = coordinator_client.get(url(), {"per_page": per_page})
    assert response.status_code == 200
    assert _per_page(response.context["table"]) == default


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("per_page", PAGE_SIZES)
def test_a_page_size_from_the_fixed_set_is_used(coordinator_client, name, per_page):
    response = coordinator_client.get(PAGES[name][1](), {"per_page": per_page})
    assert _per_page(response.context["table"]) == per_page


def _per_page(table) -> int:
    """A table paged by number has a paginator; one paged by keyset (the audit log) a keyset page."""
    return (table.keyset if hasattr(table, "keyset") else table.paginator).per_page


@pytest.mark.parametrize("page, shown", [("-5", 1), ("0", 1), ("junk", 1), ("2", 2), ("99", 2)])
def test_a_page_number_out_of_range_shows_the_first_or_last_page(coordinator_client, page, shown):
    LearnerFactory.create_batch(30)
    response = coordinator_client.get(reverse("learner_list"), {"page": page})
    assert response.status_code == 200 and response.context["table"].page.number == shown


def test_the_group_list_is_paged(coordinator_client):
    LearnerGroupFactory.create_batch(30)
    response = coordinator_client.get(reverse("group_list"))
    assert len(response.context["table"].page.object_list) == 25


def test_a_bulk_job_shows_its_outcomes_a_page_at_a_time(coordinator_client):
    outcomes = [{"learner_id": n, "learner": f"Learner {n}", "status": "subscribed", "message": ""}
                for n in range(1, 121)]
    job = JobFactory(kind="subscriptions_bulk", status="succeeded", result={"outcomes": outcomes})
    url = reverse("job_detail", args=[job.pk])
    assert coordinator_client.get(url).content.decode().count('data-status="subscribed"') == 50
    assert coordinator_client.get(url, {"page": 3}).content.decode().count('data-status="subscribed"') == 20


@pytest.mark.parametrize("sort", ["name", "-name", "company"])
def test_a_deep_page_read_keys_first_shows_the_rows_a_plain_page_would(coordinator_client, monkeypatch, sort):
    """Deep pages read the page's keys, then its rows (portal.pagination.KeysFirstData): same rows,
    same order, whatever the sort."""
    from portal.pagination import KeysFirstData

    for n in range(60):
        LearnerFactory(last_name=f"Name {n % 7}", first_name=f"First {n}", company=f"Company {n % 3}")

    def page_rows():
        response = coordinator_client.get(reverse("learner_list"), {"page": 3, "sort": sort})
        return [row.record.pk for row in response.context["table"].page.object_list]

    plain = page_rows()
    monkeypatch.setattr(KeysFirstData, "DEEP", 1)
    assert page_rows() == plain and len(plain) == 10
