"""Benchmark of the list pages at a national training provider's size: queries per page at a small and
at the full data size, server time (median of 20 requests through Django's test client, in-process),
and the audit CSV export's memory while it streams every event.

    DJANGO_SETTINGS_MODULE=portal.settings SECRET_KEY=... ALLOWED_HOSTS=localhost DATABASE_URL=postgres://... \\
        python -m bench.bench_pages --learners 100000 --audit-events 1000000

Use a scratch database (PostgreSQL): it is migrated, then topped up to the sizes asked for with COPY
and INSERT ... SELECT, so it reuses what other benchmarks left. The data stays.
"""

import argparse
import statistics
import time
from datetime import date, timedelta

import django

from bench.report import record, scaled

SMALL_FRACTION = 0.01
REQUESTS, P50_LIMIT_MS, QUERY_LIMIT, EXPORT_GROWTH_LIMIT_MB = 20, 60, 10, 30


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def top_up(*, learners: int, audit_events: int, subscriptions: int, awards: int, enrolments: int) -> dict:
    """Add rows until each table holds at least the number asked for; returns what it holds then."""
    from django.db import connection
    from django.utils import timezone

    from accreditation.models import Award
    from enrolments.models import Enrolment, ReferenceItem
    from portal.db import bulk_insert
    from portal.models import Activity, AuditChainHead, AuditEvent, Course, Learner, Template
    from subscriptions.models import Subscription

    # Loading is no web request: a new connection, without the statement timeout that the requests
    # measured before left on this one (a million events take longer than a request may).
    connection.close()
    stamp = f"{time.time_ns():x}"
    if (missing := learners - Learner.objects.count()) > 0:
        bulk_insert(Learner, [{"external_id": f"PG{stamp}-{n}", "login": f"pg{stamp}.{n}", "first_name": "Anna",
                               "last_name": f"Jansen {n:06d}", "email": f"pg{stamp}.{n}@example.org",
                               "company": f"Ziekenhuis {n % 50}", "custom1": f"19/{n:011d}"} for n in range(missing)])
    learner_ids = list(Learner.objects.order_by("id").values_list("id", flat=True)[:learners])
    template, _new = Template.objects.get_or_create(external_id="BENCH-PAGES", defaults={"name": "Bench template"})
    course, _new = Course.objects.get_or_create(external_id="BENCH-PAGES", defaults={"name": "Bench course",
                                                                                     "template": template})
    activity, _new = Activity.objects.get_or_create(template=template, uid="BENCH-PAGES",
                                                    defaults={"name": "Completion", "type": "Lesson",
                                                              "sub_type": "Lesson"})
    now = timezone.now()
    taken = set(Subscription.objects.filter(course=course).values_list("learner_id", flat=True))
    if (missing := subscriptions - Subscription.objects.count()) > 0:
        free = [pk for pk in learner_ids if pk not in taken][:missing]
        bulk_insert(Subscription, [{"learner_id": pk, "course_id": course.pk, "active": True, "completed": n % 4 == 0,
                                    "subscribe_date": now - timedelta(minutes=n),
                                    "start_date": date(2026, 1, 1) + timedelta(days=n % 365),
                                    "expire_date": date(2027, 1, 1) + timedelta(days=n % 365),
                                    "progress_done": n % 10, "progress_total": 10} for n, pk in enumerate(free)])
    taken = set(Award.objects.filter(course=course).values_list("learner_id", flat=True))
    if (missing := awards - Award.objects.count()) > 0:
        statuses = [Award.DUE, Award.ACCEPTED, Award.ACCEPTED, Award.REJECTED, Award.BLOCKED]
        free = [pk for pk in learner_ids if pk not in taken][:missing]
        bulk_insert(Award, [{"learner_id": pk, "org_id": 19, "person_number": f"{n:011d}", "trigger": Award.COMPLETION,
                             "course_id": course.pk, "activity_id": activity.pk, "pe_type": 3, "pe_course_id": "8001",
                             "status": statuses[n % len(statuses)]} for n, pk in enumerate(free)])
    framework, _new = ReferenceItem.objects.get_or_create(
        list_name=ReferenceItem.FRAMEWORKS, key="BENCH-PAGES",
        defaults={"name": "Bench framework", "synced_at": now, "data": {"qan": "60012345", "units": []}})
    taken = set(Enrolment.objects.filter(framework=framework).values_list("learner_id", flat=True))
    if (missing := enrolments - Enrolment.objects.count()) > 0:
        free = [pk for pk in learner_ids if pk not in taken][:missing]
        bulk_insert(Enrolment, [{"learner_id": pk, "framework_id": framework.pk, "candidate_uuid": f"C-{pk}",
                                 "uln": f"{pk % 10**10:010d}", "start_date": date(2026, 1, 5),
                                 "planned_end_date": date(2027, 1, 5), "progress": n % 100}
                                for n, pk in enumerate(free)])
    if (missing := audit_events - AuditEvent.objects.count()) > 0:
        # One statement: a million events in seconds. Every tenth names no learner, as portal events do.
        # They take the chain's next positions with stand-in hashes (the log of a scratch database is not
        # verified); the head moves past them, so events written later still chain on.
        head = AuditChainHead.objects.get_or_create(pk=1)[0]
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO portal_auditevent (sequence, previous_hash, hash, created_at, actor, action, system,
                    outcome, learner_id, course_id,
                    object_type, object_id, object_repr, summary, changes, http_method, http_path, http_status,
                    duration_ms, request_summary, response_summary, error, correlation_id)
                SELECT %s + g, md5((g - 1)::text) || md5((g - 1)::text), md5(g::text) || md5(g::text),
                    now() - g * interval '10 seconds', 'bench', 'learner.update',
                    (ARRAY['portal', 'anewspring', 'pe_online', 'learning_assistant'])[1 + g %% 4],
                    CASE WHEN g %% 50 = 0 THEN 'failure' ELSE 'success' END,
                    CASE WHEN g %% 10 = 0 THEN NULL ELSE ids.a[1 + g %% cardinality(ids.a)] END,
                    %s, 'learner', g::text, 'Anna Jansen', 'bench event ' || g, '{}'::jsonb, 'GET',
                    '/api/getResults', 200, 120, '', '', '', md5(g::text)::uuid
                FROM generate_series(1, %s) AS g, (SELECT array_agg(id) AS a FROM unnest(%s::bigint[]) id) AS ids
            """, [head.sequence, course.pk, missing, learner_ids])
        AuditChainHead.objects.filter(pk=1).update(sequence=head.sequence + missing,
                                                    hash=f"{missing:x}".rjust(64, "0"))
    with connection.cursor() as cursor:
        # As autovacuum would soon after a bulk load: the planner needs the new sizes, and index-only
        # scans (a deep page's keys, a count) need the visibility map that VACUUM sets.
        cursor.execute("VACUUM ANALYZE")
    return {"learners": Learner.objects.count(), "audit events": AuditEvent.objects.count(),
            "subscriptions": Subscription.objects.count(), "awards": Award.objects.count(),
            "enrolments": Enrolment.objects.count()}


def pages() -> dict[str, list[str]]:
    """Each list page with the variants a coordinator uses: the first page, filters, sorts, a deep page."""
    from django.urls import reverse

    from accreditation.models import Award
    from enrolments.models import Enrolment, ReferenceItem
    from portal.models import AuditEvent, Learner, Template
    from portal.pagination import cursor_of
    from subscriptions.models import Subscription

    def middle(model, per_page: int) -> int:
        """The page in the middle of a table: as deep as a coordinator pages."""
        return max(1, model.objects.count() // per_page // 2)

    # The audit log pages by keyset: a cursor half-way down the log (the newest is the first page).
    halfway = AuditEvent.objects.order_by("-created_at", "-id")[AuditEvent.objects.count() // 2]
    deep = cursor_of(halfway.created_at, halfway.pk)
    template = Template.objects.filter(external_id="BENCH-PAGES").first()

    learner = Learner.objects.filter(subscriptions__isnull=False).order_by("id").first()
    some = Learner.objects.order_by("id").first()
    framework = ReferenceItem.objects.filter(key="BENCH-PAGES").first()
    last_name = some.last_name if some else "Jansen"
    return {
        "learner list": [reverse("learner_list"), f"{reverse('learner_list')}?q={last_name.split()[-1]}",
                         f"{reverse('learner_list')}?active=true&sort=-name", f"{reverse('learner_list')}?page={middle(Learner, 25)}"],
        "subscription list (a learner's)": [reverse("learner_subscriptions", args=[learner.pk])] if learner else [],
        "subscription list": [reverse("subscription_list"),
                              f"{reverse('subscription_list')}?learner={last_name.split()[-1]}",
                              f"{reverse('subscription_list')}?status={Subscription.COMPLETED}&sort=-expire_date",
                              f"{reverse('subscription_list')}?template={template.pk if template else ''}"
                              "&start_after=2026-03-01&start_before=2026-06-30&sort=learner",
                              f"{reverse('subscription_list')}?sort=course&page={middle(Subscription, 25)}"],
        "awards list": [reverse("award_list"), f"{reverse('award_list')}?status={Award.ACCEPTED}",
                        f"{reverse('award_list')}?sort=-created_at&page={middle(Award, 25)}"],
        "enrolments list": [reverse("enrolment_list"), f"{reverse('enrolment_list')}?framework={framework.pk if framework else ''}",
                            f"{reverse('enrolment_list')}?page={middle(Enrolment, 25)}"],
        "audit log": [reverse("audit_list"), f"{reverse('audit_list')}?system=anewspring",
                      f"{reverse('audit_list')}?learner={some.pk if some else ''}",
                      f"{reverse('audit_list')}?outcome={AuditEvent.OUTCOME_FAILURE}",
                      f"{reverse('audit_list')}?older={deep}", f"{reverse('audit_list')}?newer={deep}",
                      f"{reverse('audit_list')}?system=anewspring&older={deep}"],
    }


def query_counts(client) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, urls in pages().items():
        worst = 0
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, secure=True)
            assert response.status_code == 200, (url, response.status_code)
            worst = max(worst, len(queries))
        counts[name] = worst
    return counts


def server_times(client) -> dict[str, tuple[float, str]]:
    """Per page: the slowest variant's median over ``REQUESTS`` requests (after one warm-up), in ms."""
    medians = {}
    for name, urls in pages().items():
        worst = (0.0, "")
        for url in urls:
            client.get(url, secure=True)
            times = []
            for _request in range(REQUESTS):
                start = time.perf_counter()
                response = client.get(url, secure=True)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            worst = max(worst, (statistics.median(times), url))
        medians[name] = worst
    return medians


def export_stream(client, days: int) -> tuple[int, float, float, float]:
    """Stream the audit log's last ``days`` days as CSV (the bench makes 8,640 events a day); returns rows,
    seconds, and the RSS growth after 100,000 rows and at the end."""
    from django.urls import reverse
    from django.utils import timezone

    start, rows = time.perf_counter(), 0
    since = (timezone.localdate() - timedelta(days=days)).isoformat()
    response = client.get(reverse("audit_export"), {"created_after": since}, secure=True)
    assert response.streaming
    base = rss_mb()
    early = None
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        if early is None and rows >= 100_000:
            early = rss_mb() - base
    return rows - 1, time.perf_counter() - start, early or 0.0, rss_mb() - base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=scaled(100_000))
    parser.add_argument("--audit-events", type=int, default=scaled(1_000_000))
    parser.add_argument("--subscriptions", type=int, default=scaled(10_000))
    parser.add_argument("--awards", type=int, default=scaled(10_000))
    parser.add_argument("--enrolments", type=int, default=scaled(10_000))
    parser.add_argument("--export-days", type=int, default=30, help="days of events the CSV export streams")
    args = parser.parse_args()
    export_days = args.__dict__.pop("export_days")
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", interactive=False, verbosity=0)
    # No collectstatic for a benchmark: templates name static files unhashed.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    sizes = vars(args)
    admin, _new = User.objects.get_or_create(username="bench-pages", defaults={"is_superuser": True, "is_staff": True})
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)

    start = time.perf_counter()
    small = top_up(**{name: max(1, int(size * SMALL_FRACTION)) for name, size in sizes.items()})
    small_counts = query_counts(client)
    full = top_up(**sizes)
    print(f"data: {small} -> {full} in {time.perf_counter() - start:.0f} s")
    full_counts = query_counts(client)
    medians = server_times(client)
    held = ", ".join(f"{n:,} {name}" for name, n in full.items())
    for name in pages():
        median, url = medians[name]
        constant = full_counts[name] <= small_counts[name]
        record(f"{name} ({held})",
               f"queries constant in the data size (≤ {QUERY_LIMIT}); p50 ≤ {P50_LIMIT_MS} ms over {REQUESTS} requests",
               f"queries {small_counts[name]} (1 % of the data) → {full_counts[name]}; p50 {median:.0f} ms "
               f"(slowest variant {url})",
               constant and full_counts[name] <= QUERY_LIMIT and median <= P50_LIMIT_MS)
    rows, seconds, early, growth = export_stream(client, export_days)
    record(f"audit log CSV export of {rows:,} events (the last {export_days} days of {full['audit events']:,})",
           f"streams in constant memory (RSS growth ≤ {EXPORT_GROWTH_LIMIT_MB} MB, no growth after the first 100,000 rows)",
           f"{seconds:.0f} s ({rows / seconds:,.0f} rows/s); RSS +{early:.0f} MB after 100,000 rows, +{growth:.0f} MB "
           f"at the end", growth <= EXPORT_GROWTH_LIMIT_MB and growth - early <= 5)


if __name__ == "__main__":
    main()
