"""Reads for the accreditation pages."""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accreditation.models import Award
from portal.models import Activity, Course, Event, Learner

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


def learner_awards(*, learner: Learner, limit: int = LEARNER_PANEL_LIMIT) -> QuerySet[Award]:
    return learner.pe_awards.select_related("course", "activity")[:limit]


# --- events -------------------------------------------------------------------------------------------
def event_activities(course: Course) -> QuerySet[Activity]:
    """The activities an event of ``course`` may belong to: its template's event activities."""
    return Activity.objects.filter(template_id=course.template_id, type="Event").order_by("part_id", "name")


def course_events(course: Course) -> QuerySet[Event]:
    return course.events.select_related("activity", "accreditation").order_by("date", "name", "pk")
