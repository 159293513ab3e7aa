"""The learner search costs one condition per term, whatever is typed into it, and on PostgreSQL an
index serves each condition."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import PERegistration
from portal.pagination import MatchesFirstData
from portal.selectors import SEARCH_MAX_TERMS, learner_search
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

THIRTY_WORDS = " ".join(f"w{n}" for n in range(30))
_PATTERN = re.compile(r"%[^%\s']+%")  # a term's "contains" pattern in the SQL, one per term


def test_each_term_is_one_condition_and_never_a_join():
    sql = str(learner_search(query=THIRTY_WORDS).query).upper()
    assert " JOIN " not in sql and sql.count("SELECT") == 1
    assert len(_PATTERN.findall(sql)) == SEARCH_MAX_TERMS


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
def test_a_thirty_word_search_page_runs_bounded_queries(coordinator_client, name):
    """Numbers are looked up among the PE numbers first: a query each, at most SEARCH_MAX_TERMS."""
    LearnerFactory(first_name="w1")
    words = " ".join(f"w{n} {n}" for n in range(15))
    with CaptureQueriesContext(connection) as queries:
        response = coordinator_client.get(reverse(name), {"q": words + " x" * 5000})
    assert response.status_code == 200
    searches = [q["sql"].upper() for q in queries if " LIKE " in q["sql"].upper()]
    numbers = [q["sql"] for q in queries if "PORTAL_PEREGISTRATION" in q["sql"].upper()]
    assert searches and all(len(_PATTERN.findall(sql)) == SEARCH_MAX_TERMS and " JOIN " not in sql for sql in searches)
    assert len(numbers) == SEARCH_MAX_TERMS // 2


@pytest.mark.postgresql
def test_every_condition_of_a_search_has_an_index_on_postgresql():
    """Without indexes a search reads all 100,000 learners; with them only those that match."""
    LearnerFactory.create_batch(3)
    with connection.cursor() as cursor:
        # A few rows: the planner would read them all (or walk the name order) anyway.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = learner_search(query="jansen 39054148101").order_by().explain()
    assert "Seq Scan" not in plan
    assert {"learner_search_trigram", "learner_external_id_upper", "learner_uid_upper"} <= set(plan.replace("(", " ").split())


def test_web_requests_get_the_statement_timeout_on_postgresql(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("login"))
        client.get(reverse("login"))
    timeouts = [q["sql"] for q in queries if "statement_timeout" in q["sql"]]
    if connection.vendor == "postgresql":
        assert timeouts == ["SET statement_timeout = 15000"]  # once per database connection, not per request
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "15s"
    else:
        assert timeouts == []


def _learner_page_query(client, url: str) -> str:
    """The query that read the rows of a learner list page (not its count)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return next(q["sql"] for q in queries
                if q["sql"].upper().startswith('SELECT "PORTAL_LEARNER"."ID"') and "ORDER BY" in q["sql"].upper())


def test_search_results_are_in_name_order_on_every_page(admin_client_):
    for n in range(60):
        LearnerFactory(first_name=f"Ann{n:02d}", last_name="Mulder" if n % 2 else "Visser")
    LearnerFactory(first_name="Zoë", last_name="Aalders", email="mulder@example.org")

    first = admin_client_.get(f"{reverse('learner_list')}?q=mulder&per_page=25").text
    second = admin_client_.get(f"{reverse('learner_list')}?q=mulder&per_page=25&page=2").text
    backwards = admin_client_.get(f"{reverse('learner_list')}?q=mulder&per_page=50&sort=-name").text

    names = re.findall(r">(Ann\d\d Mulder|Zoë Aalders)<", first + second)
    assert names == ["Zoë Aalders"] + [f"Ann{n:02d} Mulder" for n in range(1, 60, 2)]
    assert re.findall(r">(Ann\d\d Mulder|Zoë Aalders)<", backwards) == names[::-1]


@pytest.mark.postgresql
def test_a_search_page_is_sorted_from_its_matches_not_walked_off_the_name_index(admin_client_):
    """A name's matches sit together in the name order: walking that index to them tested 70,000
    learners for "Mulder" (78 ms), sorting its 10,000 matches found on the search index takes 14 ms."""
    LearnerFactory.create_batch(3, last_name="Mulder")
    sql = _learner_page_query(admin_client_, f"{reverse('learner_list')}?q=mulder")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # the planner would take any index that gives the order
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "learner_name_order" not in plan, plan


@pytest.mark.postgresql
@pytest.mark.parametrize("sort", ["name", "-name"])
def test_the_learner_list_in_either_direction_reads_off_the_name_index(admin_client_, sort):
    LearnerFactory.create_batch(3)
    sql = _learner_page_query(admin_client_, f"{reverse('learner_list')}?sort={sort}")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "learner_name_order" in plan and "Sort" not in plan, plan


def test_a_search_matching_too_many_learners_counts_no_further_and_says_so(admin_client_, monkeypatch):
    monkeypatch.setattr(MatchesFirstData, "MATCHES_SHOWN", 30)
    LearnerFactory.create_batch(31, last_name="Mulder")
    url = f"{reverse('learner_list')}?q=mulder"

    with CaptureQueriesContext(connection) as queries:
        page = admin_client_.get(url).text

    count = next(q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "PORTAL_LEARNER" in q["sql"].upper())
    assert "LIMIT 31" in count.upper()  # the count stops one past what is shown
    assert 'id="search-more"' in page and "More than 30 learners match" in page
    last = admin_client_.get(f"{url}&page=99").text  # one past the end: the last page shown
    assert len(re.findall(r'<a href="/learners/\d+/">', last)) == 5  # 30 shown, 25 on page 1
    LearnerFactory.create_batch(2, last_name="Visser")
    assert 'id="search-more"' not in admin_client_.get(f"{reverse('learner_list')}?q=visser").text
