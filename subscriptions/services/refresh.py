"""The beat job: refresh the results of active subscriptions, a bounded batch per run."""

import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from portal.audit import object_fields, remote_call_fields
from portal.http import RemoteCall
from portal.models import AuditEvent
from subscriptions import client as anewspring
from subscriptions.client import AnewspringError
from subscriptions.models import Subscription
from subscriptions.services.common import SYSTEM, anewspring_client, anewspring_configured, course_ref, learner_ref
from subscriptions.services.results import ActivityCache, results_store_many


STORE_BATCH = 25  # answers stored per transaction: one commit and one lock of the audit chain for them all


@dataclass
class _Fetched:
    subscription: Subscription
    calls: list[RemoteCall] = field(default_factory=list)
    result: anewspring.CourseResult | None = None
    error: AnewspringError | None = None


def _fetch(subscription: Subscription, pacer: "_Pacer", stop: threading.Event) -> _Fetched | None:
    """In a worker thread: waits for its turn under the rate cap, then HTTP only, no database (the
    main thread stores and audits meanwhile); None when the run stopped before its turn came."""
    pacer.wait()
    if stop.is_set():
        return None
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
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.interval
        time.sleep(start - now)


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
    counts = {"refreshed": 0, "failed": 0, "changed": 0}
    queue, fetched, activities, stop = iter(batch), [], ActivityCache(), threading.Event()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="anewspring-refresh") as pool:
        pending = set()
        while True:
            while not stop.is_set() and len(pending) < concurrency:
                subscription = next(queue, None)
                if subscription is None:
                    break
                pending.add(pool.submit(_fetch, subscription, pacer, stop))
            if len(fetched) >= STORE_BATCH or (fetched and not pending):
                _refresh_store(fetched, counts, activities)
                fetched = []
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for item in (future.result() for future in done):
                if item is None:
                    continue
                fetched.append(item)
                if item.error is not None and item.error.retryable:
                    stop.set()
    counts["stopped"] = stop.is_set()
    counts["summary"] = (_("%(refreshed)s refreshed, %(failed)s failed, %(changed)s with changed results%(stop)s")
                         % {**counts, "stop": _("; stopped early") if counts["stopped"] else ""})
    return counts


def _refresh_store(fetched: list[_Fetched], counts: dict, activities: ActivityCache) -> None:
    """Store a batch of answers and audit its calls and failures, in one transaction."""
    calls, failures, stored = [], [], []
    for item in fetched:
        subscription = item.subscription
        where = {"learner_id": subscription.learner_id, "course_id": subscription.course_id}
        calls += [{**remote_call_fields(call), **where} for call in item.calls]
        if item.error is None:
            stored.append((subscription, item.result))
        else:
            failures.append({"action": "subscription.results_refresh", "system": SYSTEM,
                             "outcome": AuditEvent.OUTCOME_FAILURE, "error": item.error.message, **where,
                             **object_fields(subscription)})
    changes = results_store_many(stored, activities=activities, audit_entries=calls + failures)
    counts["failed"] += len(failures)
    counts["refreshed"] += len(stored)
    counts["changed"] += sum(1 for changed in changes if changed)
