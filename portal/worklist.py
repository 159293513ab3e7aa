"""The worklist, "what needs my attention": entries that each count the records needing a coordinator and
link to them as a filtered list. Each app adds its own entries through its Integration's ``worklist`` hook
(portal names no app); portal adds the jobs, imports, remote systems and learners.

All counts are made in one query (one scalar subquery per entry, each served by an index) and cached for
WORKLIST_CACHE_SECONDS, so the page and the menu's badge cost the same at 100 learners as at 100,000."""

import datetime
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from portal.imports.models import LearnerImport
from portal.integrations import WorklistEntry, integrations, worklist_entries
from portal.models import AuditEvent, Job, Learner, PERegistration

WORKLIST_CACHE_SECONDS = 60
SEVERITIES = ("danger", "warning", "info")  # the worklist's order: what went wrong first
_CACHE_KEY = "portal.worklist.counts"
# What counts as recent enough to still need attention: older failures were dealt with or are history.
JOBS_FAILED_DAYS = 7
IMPORTS_UNCONFIRMED_AFTER = datetime.timedelta(hours=1)  # a preview checked, left without a decision
IMPORTS_DAYS = 30


def url_with(name: str, **params) -> str:
    """The URL of the page ``name`` with ``params`` as its query string (the list's filters)."""
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _since(days: int) -> datetime.datetime:
    """The start (local midnight) of the day ``days`` ago: the audit log's date filter counts whole days."""
    return timezone.make_aware(datetime.datetime.combine(_days_ago(days), datetime.time.min))


def jobs_failed() -> QuerySet[Job]:
    return Job.objects.filter(status=Job.FAILED, created_at__gte=_since(JOBS_FAILED_DAYS))


def imports_unconfirmed() -> QuerySet[LearnerImport]:
    """Uploads checked without errors, more than an hour ago, that nobody confirmed (in the last 30 days)."""
    now = timezone.now()
    return LearnerImport.objects.filter(confirmed_at__isnull=True, preview_job__status=Job.SUCCEEDED,
                                        created_at__gte=_since(IMPORTS_DAYS),
                                        created_at__lt=now - IMPORTS_UNCONFIRMED_AFTER)


def imports_check_failed() -> QuerySet[LearnerImport]:
    return LearnerImport.objects.filter(confirmed_at__isnull=True, preview_job__status=Job.FAILED,
                                        created_at__gte=_since(IMPORTS_DAYS))


def remote_systems_failing() -> QuerySet[AuditEvent]:
    """The configured systems' last calls, those that failed: one row per system whose last call failed."""
    last_calls = [Q(pk=Subquery(AuditEvent.objects.filter(system=i.name, action="remote_call")
                                .order_by("-created_at", "-id").values("pk")[:1]))
                  for i in integrations() if i.is_configured()]
    if not last_calls:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(reduce(or_, last_calls), outcome=AuditEvent.OUTCOME_FAILURE)


def learners_check_digit_failing() -> QuerySet[Learner]:
    """Learners with a BIG number in Custom1 whose check digit fails: the learner's PE registrations store
    the check's verdict whenever Custom1 is saved or imported (a partial index holds only the failures)."""
    return Learner.objects.filter(
        pk__in=PERegistration.objects.filter(check_digit_ok=False).values("learner_id"))


def portal_entries() -> list[WorklistEntry]:
    return [
        WorklistEntry(
            key="jobs.failed", severity="danger", permission="portal.view_job", rows=jobs_failed(),
            label=lambda n: ngettext("%(count)d background job failed in the last %(days)d days",
                                     "%(count)d background jobs failed in the last %(days)d days", n)
            % {"count": n, "days": JOBS_FAILED_DAYS},
            # No list of jobs yet: the audit log's job failures (each links to its job).
            url=url_with("audit_list", action="job.fail", created_after=_days_ago(JOBS_FAILED_DAYS).isoformat())),
        WorklistEntry(
            key="imports.check_failed", severity="danger", permission="portal.add_learnerimport",
            rows=imports_check_failed(),
            label=lambda n: ngettext("%(count)d uploaded learner file could not be checked",
                                     "%(count)d uploaded learner files could not be checked", n) % {"count": n},
            url=url_with("audit_list", action="job.fail", created_after=_days_ago(IMPORTS_DAYS).isoformat())),
        WorklistEntry(
            key="imports.unconfirmed", severity="warning", permission="portal.add_learnerimport",
            rows=imports_unconfirmed(),
            label=lambda n: ngettext("%(count)d uploaded learner file was never confirmed",
                                     "%(count)d uploaded learner files were never confirmed", n) % {"count": n},
            url=url_with("audit_list", action="learner_import.upload",
                         created_after=_days_ago(IMPORTS_DAYS).isoformat())),
        WorklistEntry(
            key="remote.failing", severity="danger", permission="portal.view_auditevent",
            rows=remote_systems_failing(),
            label=lambda n: ngettext("%(count)d remote system's last call failed",
                                     "%(count)d remote systems' last calls failed", n) % {"count": n},
            url=url_with("audit_list", action="remote_call", outcome=AuditEvent.OUTCOME_FAILURE)),
        WorklistEntry(
            key="learners.check_digit", severity="warning", permission="portal.view_learner",
            rows=learners_check_digit_failing(),
            label=lambda n: ngettext("%(count)d learner has a BIG number whose check digit fails",
                                     "%(count)d learners have a BIG number whose check digit fails", n)
            % {"count": n},
            url=url_with("learner_list", check_digit="false")),
    ]


def counts_in_one_query(rows: dict[str, QuerySet]) -> dict[str, int]:
    """``{key: number of rows}`` for every queryset, in one round trip: SELECT (SELECT COUNT(*) ...), ..."""
    counts, parts, params = {}, [], []
    for key, queryset in rows.items():
        try:
            sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # .none(), or an IN over an empty list
            counts[key] = 0
            continue
        parts.append((key, f"(SELECT COUNT(*) FROM ({sql}) counted)"))
        params.extend(query_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(part for _key, part in parts), params)
            counts.update(zip((key for key, _part in parts), cursor.fetchone(), strict=True))
    return counts


def all_entries() -> list[WorklistEntry]:
    return portal_entries() + worklist_entries()


def worklist(*, user) -> dict:
    """The entries ``user`` may see that count something, and when they were counted (at most
    WORKLIST_CACHE_SECONDS ago: counted for everyone at once)."""
    entries = all_entries()
    cached = cache.get(_CACHE_KEY)
    if cached is None or not {entry.key for entry in entries} <= cached["counts"].keys():
        cached = {"counts": counts_in_one_query({entry.key: entry.rows for entry in entries}),
                  "counted_at": timezone.now()}
        cache.set(_CACHE_KEY, cached, WORKLIST_CACHE_SECONDS)
    items = [{"key": entry.key, "count": cached["counts"][entry.key], "label": entry.label(cached["counts"][entry.key]),
              "url": entry.url, "severity": entry.severity}
             for entry in sorted(entries, key=lambda entry: SEVERITIES.index(entry.severity))
             if cached["counts"][entry.key] and user.has_perm(entry.permission)]
    return {"items": items, "total": sum(item["count"] for item in items), "counted_at": cached["counted_at"],
            "cache_seconds": WORKLIST_CACHE_SECONDS}
