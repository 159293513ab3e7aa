"""The learner search costs one condition per term, whatever is typed into it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import PERegistration
from portal.selectors import SEARCH_MAX_TERMS, learner_search
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

THIRTY_WORDS = " ".join(f"w{n}" for n in range(30))


def test_each_term_is_one_subquery_and_never_a_join():
    sql = str(learner_search(query=THIRTY_WORDS).query).upper()
    assert " JOIN " not in sql
    assert sql.count("SELECT") == 1 + SEARCH_MAX_TERMS


def test_terms_match_names_and_pe_numbers_together():
    ann = LearnerFactory(first_name="Ann", last_name="Jansen")
    PERegistration.objects.create(learner=ann, org_id=19, number="39054148101", kind="big")
    LearnerFactory(first_name="Ann", last_name="Visser")
    assert list(learner_search(query="ann 19/39054148101")) == [ann]
    assert list(learner_search(query="jansen ann")) == [ann]


def test_terms_after_the_cap_are_ignored():
    ann = LearnerFactory(first_name="Ann")
    query = " ".join(["ann"] * SEARCH_MAX_TERMS + ["nobody-has-this"])
    assert list(learner_search(query=query)) == [ann]


@pytest.mark.parametrize("name", ["learner_list", "subscribe"])
def test_a_thirty_word_search_page_runs_a_bounded_query(coordinator_client, name):
    LearnerFactory(first_name="w1")
    with CaptureQueriesContext(connection) as queries:
        response = coordinator_client.get(reverse(name), {"q": THIRTY_WORDS + " x" * 5000})
    assert response.status_code == 200
    searches = [q["sql"].upper() for q in queries if "PORTAL_PEREGISTRATION" in q["sql"].upper()]
    assert searches and all(sql.count("PORTAL_PEREGISTRATION") <= SEARCH_MAX_TERMS and " JOIN " not in sql
                            for sql in searches)


def test_web_requests_get_the_statement_timeout_on_postgresql(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("login"))
    timeouts = [q["sql"] for q in queries if "statement_timeout" in q["sql"]]
    if connection.vendor == "postgresql":
        assert timeouts == ["SET statement_timeout = 15000"]
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "15s"
    else:
        assert timeouts == []
