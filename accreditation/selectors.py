"""Reads for the accreditation pages."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accreditation.models import (
    Award, CertificateAccreditation, CourseAccreditation, TemplateAccreditation)
from accreditation.rules import Configuration
from portal.integrations import ResultPart
from portal.models import Learner, Template

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


# --- what a configuration change does to the awards ---------------------------------------------------------
# Awards are counted per group of equal PE IDs: as many groups as the configuration has IDs, whatever the
# number of learners, so the preview costs a few grouped queries.
GROUP_FIELDS = ("trigger", "course_id", "activity_id", "event_id", "org_id", "pe_type", "pe_course_id",
                "pe_module_id", "pe_edition_id", "pe_meeting_id")
ID_FIELDS = ("trigger", "event_id", "pe_type", "pe_course_id", "pe_module_id", "pe_edition_id", "pe_meeting_id")
NOT_ACCEPTED = (Award.BLOCKED, Award.NO_DATE, Award.DUE, Award.REJECTED, Award.FAILED)
SETTLING = (Award.SENDING, Award.UNKNOWN)


@dataclass(frozen=True)
class ConfigurationChange:
    withdraw: int  # not yet accepted, under PE IDs that no longer apply
    supersede: int  # accepted under PE IDs that no longer apply
    make: int  # new awards for the results whose awards are withdrawn (made by the background job)
    settling: int  # sending or unknown awards of the template: the change waits until they are settled
    retired: tuple = ()  # (status, group fields) of the groups that no longer apply

    @property
    def changes_awards(self) -> bool:
        return bool(self.withdraw or self.supersede or self.make)


def configuration_template(config) -> Template:
    if isinstance(config, TemplateAccreditation):
        return config.template
    if isinstance(config, CourseAccreditation):
        return config.course.template
    if isinstance(config, CertificateAccreditation):
        return config.activity.template
    return config.event.course.template


def configuration_awards(config) -> QuerySet[Award]:
    """The awards a change of this configuration may concern."""
    if isinstance(config, TemplateAccreditation):
        return Award.objects.filter(activity__template_id=config.template_id)
    if isinstance(config, CourseAccreditation):
        return Award.objects.filter(course_id=config.course_id)
    if isinstance(config, CertificateAccreditation):
        return Award.objects.filter(activity_id=config.activity_id)
    return Award.objects.filter(course_id=config.event.course_id, activity_id=config.event.activity_id)


def awards_superseded(*, template: Template) -> int:
    return Award.objects.filter(activity__template_id=template.pk, status=Award.SUPERSEDED).count()


def awards_settling(*, template: Template) -> int:
    return Award.objects.filter(activity__template_id=template.pk, status__in=SETTLING).count()


def configuration_change(config) -> ConfigurationChange:
    """What saving ``config`` (changed in memory, not saved) does to the existing awards."""
    groups = list(configuration_awards(config).filter(status__in=NOT_ACCEPTED + (Award.ACCEPTED,)).order_by()
                  .values_list("status", *GROUP_FIELDS).annotate(n=Count("id")))
    rows = [(status, dict(zip(GROUP_FIELDS, fields, strict=True)), n) for status, *fields, n in groups]
    configuration = Configuration(override=config)
    configuration.load({row["activity_id"] for _s, row, _n in rows}, {row["course_id"] for _s, row, _n in rows})
    expected: dict[tuple, list] = {}
    for _status, row, _n in rows:
        source = (row["course_id"], row["activity_id"])
        if source not in expected:
            # A result that earns everything the configuration awards on this activity: its dues are the IDs.
            part = ResultPart(learner_id=0, course_id=source[0], activity_id=source[1], completed=True, passed=True,
                              score=None, completed_at=None)
            expected[source] = list(configuration.dues(part))

    def applies(row: dict) -> bool:
        ids = tuple(row[name] for name in ID_FIELDS)
        return any(tuple(getattr(due, name) for name in ID_FIELDS) == ids
                   and due.org_id in (None, row["org_id"]) for due in expected[(row["course_id"], row["activity_id"])])

    kept = {(row["course_id"], row["activity_id"], tuple(row[name] for name in ID_FIELDS))
            for _s, row, _n in rows if applies(row)}
    retired, withdraw, supersede, make = [], 0, 0, 0
    for status, row, n in rows:
        if applies(row):
            continue
        retired.append((status, row))
        if status == Award.ACCEPTED:
            supersede += n
            continue
        withdraw += n
        source = (row["course_id"], row["activity_id"])
        fresh = {tuple(getattr(due, name) for name in ID_FIELDS) for due in expected[source]
                 if due.org_id in (None, row["org_id"]) or row["org_id"] == 0}
        make += n * len({ids for ids in fresh if (*source, ids) not in kept})
    return ConfigurationChange(withdraw=withdraw, supersede=supersede, make=make,
                               settling=awards_settling(template=configuration_template(config)),
                               retired=tuple(retired))
