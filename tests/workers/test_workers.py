"""Two real Celery workers on the same due work, a worker killed with SIGKILL in the middle of a batch
(bulk subscribe, PE submission as a job and as beat's task, progress pull, bulk enrol) and a new worker
finishing it, and periodic tasks of one kind that never overlap; the judge is what the sandboxes
received and kept: one remote write per item.

Workers are separate processes on PostgreSQL and the Redis broker (marked ``postgresql``, see
tests/conftest.py); every remote system is a sandbox with some latency, so the workers' runs overlap.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accreditation.models import AccreditationType, Award, AwardBasis, TemplateAccreditation
from accreditation.services import awards_submit_start
from accreditation.tasks import awards_submit as submit_due_awards
from enrolments.models import Enrolment, ProgressSnapshot, ReferenceItem
from enrolments.services import enrolments_bulk_start, reference_sync
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
from tests.enrolments.test_services import enrol, form_values, item
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


def _killed_after_four_writes_and_resumed(workers, job, writes) -> int:
    """Kill worker w1 once the remote system has had four writes, start w2, resume the job and wait until
    it succeeded; returns the writes counted at the kill."""
    wait_for(lambda: writes() >= 4, what="4 remote writes")
    workers.kill("w1")
    killed_at = writes()
    assert Job.objects.get(pk=job.pk).status == Job.RUNNING

    workers.start("w2")
    wait_for(lambda: lock_free(f"job:{job.pk}"), what="PostgreSQL to release the dead worker's lock")
    assert jobs_resume_interrupted() == {"resumed": [job.pk]}
    wait_for(lambda: finished(job), what="the resumed job")
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED, job.error
    return killed_at


def test_a_worker_killed_in_the_middle_of_a_bulk_subscribe_is_resumed_without_a_second_subscribe(anewspring,
                                                                                                 workers):
    people = learners(12)
    course = Course.objects.get(external_id=WOUND_COURSE_IDS[0])
    workers.start("w1")
    job = subscriptions_bulk_start(learners=people, course=course)
    killed_at = _killed_after_four_writes_and_resumed(workers, job,
                                                     lambda: sum(remote_writes(anewspring, "subscribe").values()))
    assert 4 <= killed_at < 12, "killed in the middle"
    assert remote_writes(anewspring, "subscribe") == Counter(learner.external_id for learner in people)
    statuses = Counter(o["status"] for o in job.result["outcomes"])
    assert sorted(o["learner_id"] for o in job.result["outcomes"]) == sorted(p.pk for p in people)
    # the learner whose subscribe was under way when the worker died is found subscribed, not subscribed again
    assert statuses["subscribed"] + statuses["already_subscribed"] == 12 and statuses["already_subscribed"] <= 1
    assert Subscription.objects.filter(course=course).count() == 12
    assert AuditEvent.objects.filter(correlation_id=job.correlation_id, action="job.resume").count() == 1


# --- PE-online: award submission ---------------------------------------------------------------------------
@pytest.fixture
def pe_online(start_sandbox, settings, workers):
    sandbox = start_sandbox(PEOnlineSandbox.with_demo_data())
    url = sandbox.url + BASE_PATH
    settings.PE_ONLINE_URL, settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = url, DEFAULT_USER_ID, \
        DEFAULT_USER_KEY
    workers.configure(PE_ONLINE_URL=url, PE_ONLINE_USER_ID=DEFAULT_USER_ID, PE_ONLINE_USER_KEY=DEFAULT_USER_KEY)
    return sandbox.app


# PE-online's example courses of the types a double send would show (1 and 4: every line is kept) and
# of a type it writes once (3: person + course + endDate), as (type, course, edition, meeting).
COURSES = [(1, "1001", "10011", "100111"), (3, "8001", "", ""), (4, "4001", "40011", "")]


def due_awards(sandbox: PEOnlineSandbox, count: int) -> list[Award]:
    """``count`` due awards for people PE-online knows, of types 1, 3 and 4 in turn."""
    course = CourseFactory()
    activity = ActivityFactory(template=course.template)
    # The template awards on completion: only awards of its basis are sent.
    TemplateAccreditation.objects.create(template=course.template, basis=AwardBasis.COMPLETION,
                                         type=AccreditationType.EXPERTISE)
    awards = []
    for n, learner in enumerate(learners(count)):
        pe_type, course_id, edition, meeting = COURSES[n % len(COURSES)]
        awards.append(Award(learner=learner, org_id=19, person_number=f"1{n:010d}", trigger=Award.COMPLETION,
                            course=course, activity=activity, pe_type=pe_type, pe_course_id=course_id,
                            pe_edition_id=edition, pe_meeting_id=meeting, status=Award.DUE,
                            end_date=timezone.now() if pe_type == 3 else None))
        sandbox.add_person(19, f"1{n:010d}")
    return Award.objects.bulk_create(awards)


def test_two_workers_running_two_submissions_send_each_award_once(pe_online, workers):
    due_awards(pe_online, 400)
    pe_online.answer_delay = 0.1
    workers.start("w1", "w2")

    jobs = [awards_submit_start(), awards_submit_start()]
    wait_for(lambda: finished(*jobs), what="both submissions")

    sent = Counter(a.person for a in pe_online.attendances)
    assert len(sent) == 400 and set(sent.values()) == {1}
    assert Award.objects.filter(status=Award.ACCEPTED).count() == 400
    accepted = [Job.objects.get(pk=job.pk).result.get("accepted", 0) for job in jobs]
    assert sum(accepted) == 400 and min(accepted) > 0, f"both workers took part: {accepted}"


def submissions(sandbox: PEOnlineSandbox) -> int:
    return sum(1 for r in sandbox.requests if r.path.endswith("/ProcessXML"))


def kill_during_the_second_batch(sandbox: PEOnlineSandbox, workers) -> set[int]:
    """Kill the worker while PE-online holds its second batch of 100 (it has written the lines and
    waits before answering); return the awards the worker had claimed but not recorded."""
    wait_for(lambda: submissions(sandbox) == 2, what="the second batch")
    workers.kill("w1")
    in_flight = set(Award.objects.filter(status=Award.SENDING).values_list("pk", flat=True))
    assert len(in_flight) == 100 and Award.objects.filter(status=Award.ACCEPTED).count() == 100
    # A live worker records its answer within the sending timeout; the dead worker's claim grows older.
    wait_for(lambda: not Award.objects.filter(sending_since__gt=timezone.now() - timedelta(seconds=1)).exists(),
             what="the claim to pass the sending timeout")
    return in_flight


def assert_sent_once_and_settled_as_the_readme_says(sandbox: PEOnlineSandbox, in_flight: set[int]) -> None:
    """Every award accepted, except the dead worker's awards of types 1 and 4: PE-online may have written
    them (it has), so they are *unknown* and left to a coordinator. Types 2 and 3 went back to due and
    were sent again, which PE-online writes once. PE-online keeps one line per person and course."""
    statuses = dict(Award.objects.values_list("pk", "status"))
    types = dict(Award.objects.values_list("pk", "pe_type"))
    unknown = {pk for pk in in_flight if types[pk] in (1, 4)}
    assert {pk for pk, status in statuses.items() if status == Award.UNKNOWN} == unknown
    assert {pk for pk, status in statuses.items() if status == Award.ACCEPTED} == set(statuses) - unknown
    assert len(unknown) == 66  # of the awards 100 to 199, of types 1, 3 and 4 in turn
    stored = Counter((line.person, line.course) for line in sandbox.attendances)
    assert len(stored) == len(statuses) and set(stored.values()) == {1}
    recovered = AuditEvent.objects.filter(action="award.recover").values_list("summary", flat=True)
    assert Counter(recovered) == {"sending -> unknown": 66, "sending -> due": 34}


def test_a_worker_killed_in_the_middle_of_a_submission_job_is_resumed_without_a_second_write(pe_online, workers):
    due_awards(pe_online, 250)
    pe_online.answer_delay = 1  # each batch: PE-online writes its lines, then answers a second later
    workers.configure(PE_ONLINE_SENDING_TIMEOUT_SECONDS="1")
    workers.start("w1")
    job = awards_submit_start()
    in_flight = kill_during_the_second_batch(pe_online, workers)
    assert Job.objects.get(pk=job.pk).status == Job.RUNNING

    workers.start("w2")
    wait_for(lambda: lock_free(f"job:{job.pk}"), what="PostgreSQL to release the dead worker's lock")
    assert jobs_resume_interrupted() == {"resumed": [job.pk]}
    wait_for(lambda: finished(job), what="the resumed submission")

    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED, job.error
    assert job.result == {"recovered_unknown": 66, "recovered_due": 34, "accepted": 50 + 34}
    assert_sent_once_and_settled_as_the_readme_says(pe_online, in_flight)
    assert AuditEvent.objects.filter(correlation_id=job.correlation_id, action="job.resume").count() == 1


def test_a_worker_killed_in_the_middle_of_the_beat_submission_leaves_the_rest_to_the_next_tick(pe_online,
                                                                                               workers):
    due_awards(pe_online, 250)
    pe_online.answer_delay = 1
    workers.configure(PE_ONLINE_SENDING_TIMEOUT_SECONDS="1")
    workers.start("w1")
    submit_due_awards.delay()
    in_flight = kill_during_the_second_batch(pe_online, workers)

    workers.start("w2")
    wait_for(lambda: lock_free("periodic:awards_submit"), what="PostgreSQL to release the dead worker's lock")
    submit_due_awards.delay()  # beat's next tick
    wait_for(lambda: not Award.objects.filter(status__in=(Award.DUE, Award.SENDING)).exists(), what="every award")
    wait_for(workers.idle, what="the worker idle")

    assert_sent_once_and_settled_as_the_readme_says(pe_online, in_flight)


# --- Learning Assistant: the periodic progress pull and bulk enrol ----------------------------------------
@pytest.fixture
def learning_assistant(start_sandbox, settings, workers):
    """The sandbox with its reference lists synced; the token of an earlier test's sandbox is forgotten."""
    sandbox = start_sandbox(LearningAssistantSandbox.with_demo_data())
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    workers.configure(LEARNING_ASSISTANT_URL=sandbox.url, LEARNING_ASSISTANT_USERNAME=DEFAULT_USERNAME,
                      LEARNING_ASSISTANT_PASSWORD=DEFAULT_PASSWORD)
    cache.clear()
    reference_sync()
    return sandbox.app


def progress_pulls(sandbox: LearningAssistantSandbox) -> Counter:
    """GetProgress calls per candidate."""
    return Counter(e.find(".//{*}CandidateUUID").text for e in sandbox.received("GetProgress"))


def test_two_workers_given_the_progress_pull_at_once_pull_each_enrolment_once(learning_assistant, workers):
    for _ in range(20):
        enrol()
    learning_assistant.latency = 0.05
    workers.start("w1", "w2")

    progress_pull_active.delay()
    progress_pull_active.delay()  # beat ticked again, or a second beat runs by mistake
    wait_for(lambda: not Enrolment.objects.filter(progress_pulled_at__isnull=True).exists(), what="every pull")
    wait_for(workers.idle, what="both workers idle")

    pulled = progress_pulls(learning_assistant)
    assert len(pulled) == 20 and set(pulled.values()) == {1}, pulled


def test_a_worker_killed_in_the_middle_of_the_progress_pull_leaves_the_rest_to_the_next_tick(learning_assistant,
                                                                                             workers):
    enrolments = [enrol() for _ in range(20)]
    learning_assistant.latency = 0.2
    workers.start("w1")
    progress_pull_active.delay()
    wait_for(lambda: len(learning_assistant.received("GetProgress")) >= 5, what="5 pulls")
    workers.kill("w1")
    assert Enrolment.objects.filter(progress_pulled_at__isnull=True).exists(), "killed in the middle"

    workers.start("w2")
    wait_for(lambda: lock_free("periodic:progress_pull_active"), what="PostgreSQL to release the dead worker's lock")
    progress_pull_active.delay()  # beat's next tick
    wait_for(lambda: not Enrolment.objects.filter(progress_pulled_at__isnull=True).exists(), what="every pull")
    wait_for(workers.idle, what="the worker idle")

    # Each enrolment's progress stored once; only the pull under way when the worker died may be asked again.
    assert sorted(ProgressSnapshot.objects.values_list("enrolment_id", flat=True)) == sorted(e.pk for e in enrolments)
    pulled = progress_pulls(learning_assistant)
    assert len(pulled) == 20 and sum(pulled.values()) <= 21, pulled
    assert len(learning_assistant.enrolments) == 20 and len(learning_assistant.received("GroupEnrolment")) == 20


def test_a_worker_killed_in_the_middle_of_a_bulk_enrol_is_resumed_without_a_second_enrolment(learning_assistant,
                                                                                            workers):
    people = list(Learner.objects.bulk_create(
        Learner(external_id=f"WORK-{n:03d}", first_name="Anna", last_name=f"J{n}", email=f"anna{n}@example.org")
        for n in range(12)))
    framework = item(ReferenceItem.FRAMEWORKS, "Adult Care Worker Level 2")
    common = {k: v for k, v in form_values().items() if k not in ("forename", "surname", "email", "uln")}
    learning_assistant.latency = 0.2
    workers.start("w1")
    job = enrolments_bulk_start(learners=people, framework=framework, values=common, unit_uuids=[],
                                send_login_details=False)
    killed_at = _killed_after_four_writes_and_resumed(workers, job,
                                                     lambda: len(learning_assistant.received("GroupEnrolment")))
    assert 4 <= killed_at < 12, "killed in the middle"
    sent = Counter(e.find(".//SourceSystemLearnerUUID").text for e in learning_assistant.received("GroupEnrolment"))
    assert len(sent) == 12 and set(sent.values()) == {1}, sent
    assert len(learning_assistant.enrolments) == 12 and Enrolment.objects.count() == 12
    assert sorted(o["learner_id"] for o in job.result["outcomes"]) == sorted(p.pk for p in people)
    # the learner whose enrolment was under way when the worker died is found enrolled, not enrolled again
    assert job.result["counts"]["enrolled"] >= 11 and job.result["counts"]["failed"] == 0, job.result["counts"]
