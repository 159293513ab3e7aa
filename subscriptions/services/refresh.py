"""The beat job: refresh the results of active subscriptions, a bounded batch per run."""

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from portal.audit import audit_context, audit_record, audit_remote_call
from portal.http import RemoteCall
from portal.models import AuditEvent
from subscriptions import client as anewspring
from subscriptions.client import AnewspringError
from subscriptions.models import Subscription
from subscriptions.services.common import SYSTEM, anewspring_client, anewspring_configured, course_ref, learner_ref
from subscriptions.services.results import results_store


@dataclass
class _Fetched:
    subscription: Subscription
    calls: list[RemoteCall] = field(default_factory=list)
    result: anewspring.CourseResult | None = None
    error: AnewspringError | None = None


def _fetch(subscription: Subscription) -> _Fetched:
    """In a worker thread: HTTP only, no database; the calls are audited by the main thread."""
    fetched = _Fetched(subscription)
    client = anewspring_client(on_call=fetched.calls.append)
    try:
        fetched.result = client.get_course_results(learner_ref(subscription.learner), course_ref(subscription.course))
    except AnewspringError as exc:
        fetched.error = exc
    return fetched


class _Pacer:
    """Spaces call starts at least ``1 / calls_per_second`` apart: a cap on the rate, whatever the concurrency."""

    def __init__(self, calls_per_second: float):
        self.interval, self.next_start = 1 / calls_per_second, time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        if self.next_start > now:
            time.sleep(self.next_start - now)
        self.next_start = max(now, self.next_start) + self.interval


def results_refresh_active(*, limit: int | None = None, concurrency: int | None = None,
                           calls_per_second: float | None = None) -> dict:
    """Refresh the results of active (not finished) subscriptions, the longest unrefreshed first.

    At most ``limit`` per run, at most ``concurrency`` calls at once and ``calls_per_second`` calls
    started per second; the run stops starting new calls as soon as aNewSpring answers with a
    retryable error (429, 503, timeouts).
    """
    if not anewspring_configured():
        return {"refreshed": 0, "failed": 0, "changed": 0, "stopped": False, "summary": "not configured"}
    limit = limit or settings.ANEWSPRING_REFRESH_BATCH
    concurrency = max(1, concurrency or settings.ANEWSPRING_CONCURRENCY)
    pacer = _Pacer(calls_per_second or settings.ANEWSPRING_CALLS_PER_SECOND)
    batch = list(Subscription.objects.filter(finished=False).select_related("learner", "course__template")
                 .order_by(F("results_refreshed_at").asc(nulls_first=True), "id")[:limit])
    counts = {"refreshed": 0, "failed": 0, "changed": 0, "stopped": False}
    queue = iter(batch)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="anewspring-refresh") as pool:
        pending = set()
        while True:
            while not counts["stopped"] and len(pending) < concurrency:
                subscription = next(queue, None)
                if subscription is None:
                    break
                pacer.wait()
                pending.add(pool.submit(_fetch, subscription))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                _refresh_apply(future.result(), counts)
    counts["summary"] = (_("%(refreshed)s refreshed, %(failed)s failed, %(changed)s with changed results%(stop)s")
                         % {**counts, "stop": _("; stopped early") if counts["stopped"] else ""})
    return counts


def _refresh_apply(fetched: _Fetched, counts: dict) -> None:
    subscription = fetched.subscription
    learner, course = subscription.learner, subscription.course
    with audit_context(learner=learner, course=course):
        for call in fetched.calls:
            audit_remote_call(call)
        if fetched.error is not None:
            counts["failed"] += 1
            counts["stopped"] = counts["stopped"] or fetched.error.retryable
            audit_record(action="subscription.results_refresh", system=SYSTEM, outcome=AuditEvent.OUTCOME_FAILURE,
                         learner=learner, course=course, obj=subscription, error=fetched.error.message)
            return
        _sub, changed = results_store(learner=learner, course=course, result=fetched.result,
                                       subscription=subscription)
        counts["refreshed"] += 1
        counts["changed"] += bool(changed)
