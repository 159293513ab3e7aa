"""bulk_insert writes what the ORM would have written, and returns each row's key in order, on both
databases (COPY on PostgreSQL, executemany on SQLite)."""

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.db import EncodedJSON, bulk_insert
from portal.models import Job, Learner
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_rows_read_back_as_given_with_defaults_filled_and_keys_in_order():
    LearnerFactory()  # keys continue after rows already there
    finished = timezone.make_aware(datetime(2026, 3, 1, 12, 30, 15, 250000))
    given = uuid.uuid4()
    before = timezone.now()

    pks = bulk_insert(Job, [
        {"kind": "a", "title": "With everything", "params": {"file": "leden.csv", "rows": [1, 2]},
         "result": EncodedJSON('{"summary":"Klaar"}'), "correlation_id": given, "finished_at": finished},
        {"kind": "b", "title": "With defaults only"},
        {"kind": "c", "title": "Empty JSON", "params": {}, "result": []},
    ])

    jobs = Job.objects.in_bulk(pks)
    assert [jobs[pk].kind for pk in pks] == ["a", "b", "c"] and pks == sorted(pks)
    first, second, third = (jobs[pk] for pk in pks)
    assert first.params == {"file": "leden.csv", "rows": [1, 2]} and first.result == {"summary": "Klaar"}
    assert first.correlation_id == given and first.finished_at == finished
    assert second.status == Job.QUEUED and second.params == {} and second.finished_at is None
    assert second.correlation_id != third.correlation_id  # a callable default per row
    assert before <= second.created_at <= timezone.now() + timedelta(seconds=1)
    assert third.params == {} and third.result == []


def test_dates_and_text_round_trip_and_a_clash_inserts_nothing():
    pks = bulk_insert(Learner, [{"external_id": "X-1", "first_name": "Zoë", "last_name": "Müller-Öztürk",
                                 "date_of_birth": date(1990, 2, 28)},
                                {"external_id": "X-2", "first_name": "Ann", "last_name": "<b>Bos</b>"}])
    learners = Learner.objects.in_bulk(pks)
    assert learners[pks[0]].date_of_birth == date(1990, 2, 28) and learners[pks[0]].last_name == "Müller-Öztürk"
    assert learners[pks[1]].last_name == "<b>Bos</b>" and learners[pks[1]].date_of_birth is None

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Learner, [{"external_id": "X-3", "first_name": "C", "last_name": "D"},
                              {"external_id": "X-1", "first_name": "E", "last_name": "F"}])
    assert not Learner.objects.filter(external_id="X-3").exists()
