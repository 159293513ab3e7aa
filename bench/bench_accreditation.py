"""Benchmarks of PE-online accreditation: the award rules over 100,000 result parts, and submitting
10,000 due awards to the PE-online sandbox (run in a process of its own, so only the portal's CPU
time is counted).

    DJANGO_SETTINGS_MODULE=portal.settings SECRET_KEY=... DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        python -m bench.bench_accreditation

Use a scratch database: it is migrated first and the generated learners and awards stay.
"""

import multiprocessing
import os
import time
from datetime import UTC, datetime

import django

from bench.report import record, scaled

LEARNERS, ACTIVITIES = scaled(10_000), 10
RULES_LIMIT_S, CPU_PER_1000_LIMIT_S = 5.0, 1.0


def setup(prefix: str):
    """A template of 10 activities (one course completing, one certificate), one course, 10,000 learners
    with a BIG number each, and every learner's results on every activity: 100,000 result parts."""
    from accreditation.models import AccreditationType, CertificateAccreditation, TemplateAccreditation
    from portal.db import bulk_insert
    from portal.integrations import ResultPart
    from portal.models import Activity, Course, Learner, PERegistration, Template

    template = Template.objects.create(external_id=f"{prefix}-T", name="Bench template")
    course = Course.objects.create(external_id=f"{prefix}-C", name="Bench course", template=template)
    activities = [Activity.objects.create(template=template, uid=f"{prefix}-{n}", name=f"Activity {n}", type="Lesson",
                                          sub_type="Lesson") for n in range(ACTIVITIES)]
    activities[-1].type = activities[-1].sub_type = "Certificate"
    activities[-1].save()
    TemplateAccreditation.objects.create(template=template, type=AccreditationType.EXPERTISE,
                                         completing_activity=activities[-2], pe_course_id="8001", org_id=19)
    CertificateAccreditation.objects.create(activity=activities[-1], pe_course_id="8002", org_id=19)
    learner_ids = bulk_insert(Learner, [{"external_id": f"{prefix}-{n}", "first_name": "Anna", "last_name": f"L{n}"}
                                        for n in range(LEARNERS)])
    numbers = [f"{n + 10_000_000_000}" for n in range(LEARNERS)]
    bulk_insert(PERegistration, [{"learner_id": pk, "org_id": 19, "number": number, "kind": "big"}
                                 for pk, number in zip(learner_ids, numbers, strict=True)])
    done = datetime(2026, 3, 2, 12, tzinfo=UTC)
    parts = [ResultPart(learner_id=pk, course_id=course.pk, activity_id=a.pk, completed=True, passed=True,
                        score=None, completed_at=done) for pk in learner_ids for a in activities]
    return parts, numbers


def run_sandbox(numbers, ready):
    from sandbox.pe_online import PEOnlineSandbox
    from sandbox.server import serve

    app = PEOnlineSandbox()
    app.add_course(8001, type=3, org_id=19)
    app.add_course(8002, type=3, org_id=19)
    for number in numbers:
        app.add_person(19, number)
    running = serve(app)
    ready.put(running.url)
    while True:
        time.sleep(3600)


def main() -> None:
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from accreditation import services
    from accreditation.models import Award
    from accreditation.rules import awards_from_results
    from portal.audit import audit_context
    from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY

    call_command("migrate", interactive=False, verbosity=0)
    parts, numbers = setup(f"PEB{time.time_ns():x}")
    with audit_context(actor="command"):
        start, rules_cpu = time.perf_counter(), time.process_time()
        created = awards_from_results(parts=parts)
        rules_s, rules_cpu = time.perf_counter() - start, time.process_time() - rules_cpu
        again = time.perf_counter()
        assert awards_from_results(parts=parts) == 0
        rerun_s = time.perf_counter() - again

        # Leave the 10,000 completion awards due; the certificate awards count as sent already.
        Award.objects.filter(pe_course_id="8002").update(status=Award.ACCEPTED)
        ready = multiprocessing.get_context("fork").Queue()
        sandbox = multiprocessing.get_context("fork").Process(target=run_sandbox, args=(numbers, ready), daemon=True)
        sandbox.start()
        try:
            settings.PE_ONLINE_URL = ready.get(timeout=60) + BASE_PATH
            settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY = DEFAULT_USER_ID, DEFAULT_USER_KEY
            due = Award.objects.filter(status=Award.DUE).count()
            cpu, wall = time.process_time(), time.perf_counter()
            counts = services.awards_submit()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        finally:
            sandbox.terminate()

    per_1000 = cpu / due * 1000 if due else 0.0
    print(f"award rules: {len(parts)} result parts -> {created} awards in {rules_s:.2f} s, {rules_cpu:.2f} s CPU "
          f"(aim ≤ {RULES_LIMIT_S:.0f} s); again, nothing new: {rerun_s:.2f} s; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"submitting {due} due awards: {wall:.1f} s wall, {cpu:.2f} s CPU = {per_1000:.2f} s CPU per 1,000 "
          f"(aim ≤ {CPU_PER_1000_LIMIT_S:.0f} s); outcome {counts}")
    record(f"award rules over {len(parts):,} result parts", f"≤ {RULES_LIMIT_S:.0f} s",
           f"{rules_s:.2f} s ({created:,} awards; re-run, nothing new: {rerun_s:.2f} s)", rules_s <= RULES_LIMIT_S)
    record(f"PE submission of {due:,} awards", f"≤ {CPU_PER_1000_LIMIT_S:.0f} s CPU per 1,000 awards, batches of "
           "≤ 100 per OrgID, all accepted",
           f"{per_1000:.2f} s CPU per 1,000 ({wall:.1f} s wall); {counts.get('accepted', 0):,} accepted",
           per_1000 <= CPU_PER_1000_LIMIT_S and counts.get("accepted") == due)


if __name__ == "__main__":
    main()
