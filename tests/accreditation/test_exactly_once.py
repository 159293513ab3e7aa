"""Exactly once toward PE-online, with real concurrency: two workers, each with its own database
connection, on the same 1,000 due awards; and a worker process killed between send and record.

Row locks with SKIP LOCKED and a second process on the same database need PostgreSQL (CI's first
run, marked ``postgresql``); SQLite has neither.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections

from accreditation import services
from accreditation.models import AccreditationType, Award, AwardBasis, TemplateAccreditation
from portal.models import Learner
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY
from tests.factories import ActivityFactory, CourseFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql,  # row locks and a second process (see tests/conftest.py)
]
ROOT = Path(__file__).resolve().parents[2]


def due_awards(count: int, *, pe_type: int = 4) -> list[Award]:
    """``count`` due awards of type 4 (PE-online keeps every accepted one: a double send would show)."""
    course = CourseFactory()
    activity = ActivityFactory(template=course.template)
    # The template awards on completion: only awards of its basis are sent.
    TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.COMPLETION,
                                         type=AccreditationType.EXPERTISE)
    learners = Learner.objects.bulk_create(
        Learner(external_id=f"ONCE-{n}", first_name="Anna", last_name=f"Jansen {n}") for n in range(count))
    return Award.objects.bulk_create(
        Award(learner=learner, org_id=19, person_number=f"1{n:010d}", trigger=Award.COMPLETION, course=course,
              activity=activity, pe_type=pe_type, pe_course_id="4001", pe_edition_id="40011", status=Award.DUE)
        for n, learner in enumerate(learners))


def test_two_workers_send_each_of_1000_due_awards_exactly_once(pe_online):
    awards = due_awards(1000)
    for award in awards:
        pe_online.add_person(19, award.person_number)
    results, errors = [], []

    def worker():
        try:
            results.append(services.awards_submit())
        except Exception as exc:  # noqa: BLE001  the test reports it below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    sent = [a.person for a in pe_online.attendances]
    assert len(sent) == 1000 and len(set(sent)) == 1000
    assert Award.objects.filter(status=Award.ACCEPTED).count() == 1000
    assert sum(r.get("accepted", 0) for r in results) == 1000
    assert all(r.get("accepted", 0) > 0 for r in results), "both workers took part"


def test_a_worker_killed_between_send_and_record_does_not_send_a_type_1_award_twice(pe_online, pe_sandbox):
    award, = due_awards(1, pe_type=1)
    Award.objects.filter(pk=award.pk).update(pe_course_id="1001", pe_edition_id="10011", pe_meeting_id="100111")
    pe_online.add_person(19, award.person_number)
    pe_online.answer_delay = 10  # PE-online has the line; the worker waits for the answer and is killed
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "true", "SECRET_KEY": "test-only",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "PE_ONLINE_URL": pe_sandbox.url + BASE_PATH, "PE_ONLINE_USER_ID": DEFAULT_USER_ID,
           "PE_ONLINE_USER_KEY": DEFAULT_USER_KEY}
    worker = subprocess.Popen([sys.executable, "manage.py", "submit_pe_awards"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not pe_online.attendances and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(pe_online.attendances) == 1, worker.stderr.read() if worker.poll() is not None else "no call"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        worker.stderr.close()

    award.refresh_from_db()
    assert award.status == Award.SENDING  # the claim was committed before the call
    pe_online.answer_delay = 0
    services.awards_recover_interrupted(older_than=timedelta(0))
    services.awards_submit()

    award.refresh_from_db()
    assert award.status == Award.UNKNOWN and "Check in PE-online" in award.message
    assert len(pe_online.attendances) == 1
