"""Reads for the accreditation pages."""

from collections.abc import Iterator
from datetime import timedelta
from operator import attrgetter

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accreditation.models import Award
from portal.models import Learner
from portal.spreadsheet import csv_export_lines

CHART_WEEKS = 12
# The chart counts every award of its weeks (tens of thousands at a national provider); a list paged
# through many times a minute shows the same counts, so they are counted at most once a minute.
CHART_CACHE_SECONDS = 60
LEARNER_PANEL_LIMIT = 20


def awards_list() -> QuerySet[Award]:
    return Award.objects.select_related("learner", "course", "course__template", "activity")


def award_status_counts(awards: QuerySet[Award]) -> dict[str, int]:
    counts = dict(awards.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status, _label in Award.STATUS_CHOICES}


def awards_per_week(*, weeks: int = CHART_WEEKS) -> list[dict]:
    """Awards created per week by status, for the last ``weeks`` weeks (oldest first)."""
    now = timezone.localtime()
    start = (now - timedelta(days=now.weekday(), weeks=weeks - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = cache.get_or_set(f"awards-per-week:{start.isoformat()}", lambda: _awards_per_week_count(start),
                            CHART_CACHE_SECONDS)
    by_week: dict = {}
    for week, status, n in rows:
        by_week.setdefault(timezone.localtime(week).date(), {})[status] = n
    return [{"week": (start + timedelta(weeks=i)).date(), "counts": by_week.get((start + timedelta(weeks=i)).date(), {})}
            for i in range(weeks)]


def _awards_per_week_count(start) -> list[tuple]:
    return list(Award.objects.filter(created_at__gte=start).annotate(week=TruncWeek("created_at")).order_by()
                .values_list("week", "status").annotate(n=Count("id")))


# (header, attribute): the award's learner, registration, PE IDs, trigger (basis), status, when it was sent
# and PE-online's message, as codes and raw values like the other exports.
AWARD_EXPORT_COLUMNS = [
    ("award_id", "pk"), ("created", "created_at"), ("learner_external_id", "learner.external_id"),
    ("learner", "learner.full_name"), ("org_id", "org_id"), ("pe_number", "person_number"), ("trigger", "trigger"),
    ("course", "course.name"), ("pe_type", "pe_type"), ("pe_course_id", "pe_course_id"),
    ("pe_module_id", "pe_module_id"), ("pe_edition_id", "pe_edition_id"), ("pe_meeting_id", "pe_meeting_id"),
    ("end_date", "end_date"), ("status", "status"), ("sent", "sent_at"), ("message", "message"),
]
_award_row = attrgetter(*(attribute for _header, attribute in AWARD_EXPORT_COLUMNS))


def awards_export_lines(*, awards: QuerySet[Award]) -> Iterator[str]:
    """The awards as CSV lines (the audit export's format), read in chunks and without the XML sent and the
    raw answer: it streams."""
    awards = awards.select_related("learner", "course").defer("sent_xml", "answer")
    return csv_export_lines(header=[header for header, _attribute in AWARD_EXPORT_COLUMNS],
                            rows=(_award_row(award) for award in awards.iterator(chunk_size=2000)))


def learner_awards(*, learner: Learner, limit: int = LEARNER_PANEL_LIMIT) -> QuerySet[Award]:
    return learner.pe_awards.select_related("course", "activity")[:limit]
