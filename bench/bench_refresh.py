"""Benchmark of the results refresh (the beat job) against the aNewSpring sandbox answering every call
100 ms late: one call at a time against bounded concurrency with a calls-per-second cap.

    DJANGO_SETTINGS_MODULE=portal.settings SECRET_KEY=... DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        python -m bench.bench_refresh --subscriptions 10000

Use a scratch database: it is migrated first and the generated learners and subscriptions stay. One
call at a time is timed on the first ``--serial`` subscriptions and extrapolated per subscription;
the sandbox runs in a process of its own.
"""

import argparse
import multiprocessing
import time

import django

from bench.report import record, scaled

LATENCY_S, SPEED_RATIO = 0.1, 8
CONCURRENCY, CALLS_PER_SECOND = 16, 120


def run_sandbox(prefix: str, count: int, ready) -> None:
    from sandbox.anewspring import AnewspringSandbox
    from sandbox.server import serve

    app = AnewspringSandbox()
    app.add_template(f"{prefix}-T", "Bench template")
    app.add_activity(f"{prefix}-T", "Lesson 1", "Lesson", id=f"{prefix}-A1")
    app.add_activity(f"{prefix}-T", "Lesson 2", "Lesson", id=f"{prefix}-A2")
    app.add_course(f"{prefix}-C", f"{prefix}-T")
    for n in range(count):
        app.add_user(f"{prefix}-{n}", firstName="Anna", lastName=f"L{n}")
        app.subscribe(f"{prefix}-{n}", f"{prefix}-C")
    app.latency = LATENCY_S
    ready.put(serve(app).url)
    while True:
        time.sleep(3600)


def setup(prefix: str, count: int) -> None:
    from portal.db import bulk_insert
    from portal.models import Course, Learner, Template
    from subscriptions.models import Subscription

    template = Template.objects.create(external_id=f"{prefix}-T", name="Bench template")
    course = Course.objects.create(external_id=f"{prefix}-C", name="Bench course", template=template)
    learner_ids = bulk_insert(Learner, [{"external_id": f"{prefix}-{n}", "first_name": "Anna", "last_name": f"L{n}"}
                                        for n in range(count)])
    bulk_insert(Subscription, [{"learner_id": pk, "course_id": course.pk} for pk in learner_ids])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscriptions", type=int, default=scaled(10_000))
    parser.add_argument("--serial", type=int, default=scaled(200), help="subscriptions refreshed one at a time")
    args = parser.parse_args()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from portal.audit import audit_context
    from sandbox.anewspring import DEFAULT_API_KEY
    from subscriptions.models import Subscription
    from subscriptions.services.refresh import results_refresh_active

    call_command("migrate", interactive=False, verbosity=0)
    # Subscriptions other benchmarks left are not the sandbox's: they count as finished here.
    if Subscription.objects.filter(finished=False).exists():
        raise SystemExit("bench_refresh needs a database without unfinished subscriptions (run it first)")
    prefix = f"RB{time.time_ns():x}"
    setup(prefix, args.subscriptions)
    ready = multiprocessing.get_context("fork").Queue()
    sandbox = multiprocessing.get_context("fork").Process(target=run_sandbox, args=(prefix, args.subscriptions, ready),
                                                          daemon=True)
    sandbox.start()
    try:
        settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = ready.get(timeout=300) + "/api", DEFAULT_API_KEY
        with audit_context(actor="command"):
            start = time.perf_counter()
            serial = results_refresh_active(limit=args.serial, concurrency=1, calls_per_second=1000)
            serial_s = time.perf_counter() - start
            start = time.perf_counter()
            parallel = results_refresh_active(limit=args.subscriptions, concurrency=CONCURRENCY,
                                              calls_per_second=CALLS_PER_SECOND)
            parallel_s = time.perf_counter() - start
    finally:
        sandbox.terminate()
    serial_per_call = serial_s / args.serial
    ratio = serial_per_call * args.subscriptions / parallel_s
    record(f"results refresh of {args.subscriptions:,} subscriptions, sandbox {LATENCY_S * 1000:.0f} ms late",
           f"≥ {SPEED_RATIO}× one call at a time; bounded concurrency and a calls-per-second cap",
           f"{parallel_s:.0f} s ({args.subscriptions / parallel_s:.0f} calls/s) with {CONCURRENCY} at once and "
           f"≤ {CALLS_PER_SECOND} calls/s, against {serial_per_call * 1000:.0f} ms per call one at a time "
           f"({serial['refreshed']} timed): {ratio:.1f}×; {parallel['refreshed']:,} refreshed, "
           f"{parallel['failed']} failed",
           ratio >= SPEED_RATIO and parallel["refreshed"] == args.subscriptions and not parallel["failed"]
           and serial["refreshed"] == args.serial)


if __name__ == "__main__":
    main()
