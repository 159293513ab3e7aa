"""The list of every subscription: filters, sorts, links to the learner's subscriptions and the CSV export."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from subscriptions.models import Subscription
from tests.factories import CourseFactory, LearnerFactory, TemplateFactory
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

STATUS_FLAGS = {
    Subscription.NOT_STARTED: {},
    Subscription.ACTIVE: {"active": True},
    Subscription.COMPLETED: {"active": True, "completed": True},
    Subscription.EXPIRED: {"active": True, "expired": True, "finished": True},
    Subscription.UNSUBSCRIBED: {"active": True, "finished": True},
}


def _listed(client, **params) -> list[Subscription]:
    response = client.get(reverse("subscription_list"), params)
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


@pytest.mark.parametrize("status", sorted(STATUS_FLAGS))
def test_the_status_filter_finds_exactly_the_subscriptions_showing_that_status(coordinator_client, status):
    made = {name: SubscriptionFactory(**flags) for name, flags in STATUS_FLAGS.items()}
    assert {s.status for s in made.values()} == set(STATUS_FLAGS)  # each flag set shows its status

    assert _listed(coordinator_client, status=status) == [made[status]]


def test_filters_by_course_template_learner_and_dates(coordinator_client):
    template = TemplateFactory()
    course = CourseFactory(template=template)
    anna = LearnerFactory(first_name="Anna", last_name="Zuidema")
    early = SubscriptionFactory(learner=anna, course=course, start_date=date(2026, 1, 1),
                                expire_date=date(2026, 6, 30))
    late = SubscriptionFactory(course=course, start_date=date(2026, 9, 1), expire_date=date(2027, 8, 31))
    other = SubscriptionFactory()

    assert set(_listed(coordinator_client, course=course.pk)) == {early, late}
    assert set(_listed(coordinator_client, template=template.pk)) == {early, late}
    assert _listed(coordinator_client, learner="anna zuidema") == [early]
    assert _listed(coordinator_client, start_after="2026-03-01") == [late]
    assert _listed(coordinator_client, start_before="2026-03-01") == [early]
    assert _listed(coordinator_client, expire_after="2027-01-01", expire_before="2027-12-31") == [late]
    assert other in _listed(coordinator_client)


def test_sorts_by_learner_course_and_dates(coordinator_client):
    b = SubscriptionFactory(learner=LearnerFactory(last_name="Bakker"), course=CourseFactory(name="Zwachtelen"),
                            start_date=date(2026, 2, 1), expire_date=date(2026, 3, 1))
    a = SubscriptionFactory(learner=LearnerFactory(last_name="Aalders"), course=CourseFactory(name="Anatomie"),
                            start_date=date(2026, 5, 1), expire_date=date(2026, 12, 1))

    assert _listed(coordinator_client, sort="learner") == [a, b]
    assert _listed(coordinator_client, sort="-learner") == [b, a]
    assert _listed(coordinator_client, sort="course") == [a, b]
    assert _listed(coordinator_client, sort="start_date") == [b, a]
    assert _listed(coordinator_client, sort="-expire_date") == [a, b]


def test_each_row_links_to_the_learners_subscriptions_and_the_results(coordinator_client):
    subscription = SubscriptionFactory()
    finished = SubscriptionFactory(active=True, finished=True)
    page = coordinator_client.get(reverse("subscription_list")).content.decode()
    assert f'href="{reverse("learner_subscriptions", args=[subscription.learner_id])}"' in page
    assert f'href="{subscription.get_absolute_url()}"' in page
    assert f'href="{reverse("subscription_change", args=[subscription.pk])}"' in page
    assert f'href="{reverse("subscription_change", args=[finished.pk])}"' not in page  # nothing left to change


def test_the_navigation_and_the_dashboard_link_to_the_list(coordinator_client):
    url = reverse("subscription_list")
    assert coordinator_client.get(reverse("dashboard")).content.decode().count(f'href="{url}"') == 2


def test_the_export_streams_the_filtered_subscriptions_safe_for_excel(coordinator_client):
    course = CourseFactory(name="=HYPERLINK(\"http://evil\")")
    SubscriptionFactory(course=course, learner=LearnerFactory(first_name="Jérôme"), progress_done=3,
                        progress_total=10)
    SubscriptionFactory()

    response = coordinator_client.get(reverse("subscription_export"), {"course": course.pk})

    assert response.streaming and response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["Course"] == "'=HYPERLINK(\"http://evil\")" and "Jérôme" in rows[0]["Learner"]
    assert rows[0]["Progress done"] == "3" and rows[0]["Status"] == "not started"
