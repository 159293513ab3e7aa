"""Two real Celery workers on the same due work, a worker killed in the middle of a batch, and
periodic tasks of one kind that never overlap; the judge is what the sandboxes received: one remote
write per item.

Workers are separate processes on PostgreSQL and the Redis broker (marked ``postgresql``, see
tests/conftest.py); every remote system is a sandbox with some latency, so the workers' runs overlap.
"""

from collections import Counter

import pytest

from accreditation.models import Award
from accreditation.services import awards_submit_start
from enrolments.models import Enrolment
from enrolments.tasks import progress_pull_active
from portal.jobs import jobs_resume_interrupted
from portal.locks import lock_free
from portal.models import AuditEvent, Course, Job, Learner
from portal.tasks import job_run
from sandbox.anewspring import DEFAULT_API_KEY, WOUND_COURSE_IDS, AnewspringSandbox
from sandbox.learning_assistant import DEFAULT_PASSWORD, DEFAULT_USERNAME, LearningAssistantSandbox
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY, PEOnlineSandbox
from subscriptions.models import Subscription
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.subscribe import subscriptions_bulk_start
from tests.enrolments.test_services import enrol
from tests.factories import ActivityFactory, CourseFactory
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def finished(*jobs: Job) -> bool:
    return all(Job.objects.get(pk=job.pk).finished for job in jobs)


# --- aNewSpring: bulk subscribe -----------------------------------------------------------------------
@pytest.fixture
def anewspring(start_sandbox, settings, workers):
    sandbox = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = sandbox.url, DEFAULT_API_KEY
    workers.configure(ANEWSPRING_URL=sandbox.url, ANEWSPRING_API_KEY=DEFAULT_API_KEY)
    catalogue_sync()
    sandbox.app.latency = 0.02
    return sandbox.app


def remote_writes(sandbox: AnewspringSandbox, call: str) -> Counter:
    """POSTs of ``call`` per learner (the external ID in the path)."""
    return Counter(r.path.split("/")[3] for r in sandbox.requests if r.method == "POST"
                   and r.path.startswith(f"/api/{call}/"))


def learners(count: int) -> list[Learner]:
    return Learner.objects.bulk_create(Learner(external_id=f"WORK-{n:03d}", first_name="Anna", last_name=f"J{n}")
                                       for n in range(count))


def test_two_workers_subscribe_each_learner_once_with_a_job_delivered_twice_and_a_second_job(anewspring, workers):
    people = learners(12)
    course = Course.objects.get(external_id=WOUND_COURSE_IDS[0])
    workers.start("w1", "w2")

    first = subscriptions_bulk_start(learners=people, course=course)
    job_run.apply_async(args=[first.pk], queue="anewspring")  # the broker delivers the job a second time
    second = subscriptions_bulk_start(learners=people[::-1], course=course)  # a colleague, the other way round
    wait_for(lambda: finished(first, second), what="both jobs")

    everyone = {learner.external_id for learner in people}
    assert remote_writes(anewspring, "subscribe") == Counter(everyone)
    assert remote_writes(anewspring, "addUser") == Counter(everyone)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Job.SUCCEEDED, Job.SUCCEEDED), (first.error, second.error)
    outcomes = Counter(o["status"] for job in (first, second) for o in job.result["outcomes"])
    assert outcomes == {"subscribed": 12, "already_subscribed": 12}
    assert Subscription.objects.filter(course=course).count() == 12
    assert AuditEvent.objects.filter(correlation_id=first.correlation_id, action="job.finish").count() == 1


def test_a_worker_killed_in_the_middle_of_a_bulk_subscribe_is_resumed_without_a_second_subscribe(anewspring,
                                                                                                 workers):
    people = learners(12)
    course = Course.objects.get(external_id=WOUND_COURSE_IDS[0])
    workers.start("w1")
    job = subscriptions_bulk_start(learners=people, course=course)
    wait_for(lambda: sum(remote_writes(anewspring, "subscribe").values()) >= 4, what="4 subscribes")
    workers.kill("w1")
    killed_at = sum(remote_writes(anewspring, "subscribe").values())
    assert Job.objects.get(pk=job.pk).status == Job.RUNNING

    workers.start("w2")
    wait_for(lambda: lock_free(f"job:{job.pk}"), what="PostgreSQL to release the dead worker's lock")
    assert jobs_resume_interrupted() == {"resumed": [job.pk]}
    wait_for(lambda: finished(job), what="the resumed job")

    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED, job.error
    assert 4 <= killed_at < 12, "killed in the middle"
    assert remote_writes(anewspring, "subscribe") == Counter(learner.external_id for learner in people)
    statuses = Counter(o["status"] for o in job.result["outcomes"])
    assert sorted(o["learner_id"] for o in job.result["outcomes"]) == sorted(p.pk for p in people)
    # the learner whose subscribe was under way when the worker died is found subscribed, not subscribed again
    assert statuses["subscribed"] + statuses["already_subscribed"] == 12 and statuses["already_subscribed"] <= 1
    assert Subscription.objects.filter(course=course).count() == 12
    assert AuditEvent.objects.filter(correlation_id=job.correlation_id, action="job.resume").count() == 1


# --- PE-online: award submission ---------------------------------------------------------------------------
def test_two_workers_running_two_submissions_send_each_award_once(start_sandbox, settings, workers):
    sandbox = start_sandbox(PEOnlineSandbox.with_demo_data())
    url = sandbox.url + BASE_PATH
    settings.PE_ONLINE_URL, settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = url, DEFAULT_USER_ID, \
        DEFAULT_USER_KEY
    workers.configure(PE_ONLINE_URL=url, PE_ONLINE_USER_ID=DEFAULT_USER_ID, PE_ONLINE_USER_KEY=DEFAULT_USER_KEY)
    course = CourseFactory()
    activity = ActivityFactory(template=course.template)
    people = learners(400)
    Award.objects.bulk_create(
        Award(learner=learner, org_id=19, person_number=f"1{n:010d}", trigger=Award.COMPLETION, course=course,
              activity=activity, pe_type=4, pe_course_id="4001", pe_edition_id="40011", status=Award.DUE)
        for n, learner in enumerate(people))
    for n in range(400):
        sandbox.app.add_person(19, f"1{n:010d}")
    sandbox.app.answer_delay = 0.1
    workers.start("w1", "w2")

    jobs = [awards_submit_start(), awards_submit_start()]
    wait_for(lambda: finished(*jobs), what="both submissions")

    sent = Counter(a.person for a in sandbox.app.attendances)
    assert len(sent) == 400 and set(sent.values()) == {1}
    assert Award.objects.filter(status=Award.ACCEPTED).count() == 400
    accepted = [Job.objects.get(pk=job.pk).result.get("accepted", 0) for job in jobs]
    assert sum(accepted) == 400 and min(accepted) > 0, f"both workers took part: {accepted}"


# --- Learning Assistant: the periodic progress pull --------------------------------------------------------
def test_two_workers_given_the_progress_pull_at_once_pull_each_enrolment_once(start_sandbox, settings, workers):
    from enrolments.services import reference_sync

    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data())
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    workers.configure(LEARNING_ASSISTANT_URL=sandbox.url, LEARNING_ASSISTANT_USERNAME=DEFAULT_USERNAME,
                      LEARNING_ASSISTANT_PASSWORD=DEFAULT_PASSWORD)
    reference_sync()
    for _ in range(20):
        enrol()
    sandbox.app.latency = 0.05
    workers.start("w1", "w2")

    progress_pull_active.delay()
    progress_pull_active.delay()  # beat ticked again, or a second beat runs by mistake
    wait_for(lambda: not Enrolment.objects.filter(progress_pulled_at__isnull=True).exists(), what="every pull")
    wait_for(workers.idle, what="both workers idle")

    pulled = Counter(e.find(".//{*}CandidateUUID").text for e in sandbox.app.received("GetProgress"))
    assert len(pulled) == 20 and set(pulled.values()) == {1}, pulled

