"""Reads for the Learning Assistant pages."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from enrolments.models import Enrolment, ProgressSnapshot, ReferenceItem, ReferenceSync
from portal.models import Learner

CHART_POINTS = 60  # the chart shows the latest pulls only, however many are stored


def reference_choices(*, list_name: str) -> QuerySet[ReferenceItem]:
    return ReferenceItem.objects.filter(list_name=list_name, active=True).order_by("name")


def trainer_choices(*, role: str) -> QuerySet[ReferenceItem]:
    """Assessors (role "assessor") or verifiers (role "verifier")."""
    return reference_choices(list_name=ReferenceItem.TRAINERS).filter(**{f"data__{role}": True})


def reference_syncs() -> list[dict]:
    """Every list with its last sync (None when never synced) and its number of active entries."""
    syncs = {sync.list_name: sync for sync in ReferenceSync.objects.all()}
    return [{"list": code, "label": label, "sync": syncs.get(code),
             "active": ReferenceItem.objects.filter(list_name=code, active=True).count()}
            for code, label in ReferenceItem.LIST_CHOICES]


def reference_names(*, list_name: str, keys) -> dict[str, str]:
    return dict(ReferenceItem.objects.filter(list_name=list_name, key__in=list(keys)).values_list("key", "name"))


def enrolment_list() -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related("learner", "framework")


def enrolment_detail(*, pk: int) -> Enrolment:
    return Enrolment.objects.select_related("learner", "framework").get(pk=pk)


def learner_enrolments(*, learner: Learner, limit: int = 20) -> QuerySet[Enrolment]:
    return learner.la_enrolments.select_related("framework")[:limit]


def progress_points(*, enrolment: Enrolment) -> list[ProgressSnapshot]:
    """The latest snapshots, oldest first."""
    return list(reversed(enrolment.snapshots.all()[:CHART_POINTS]))


PROGRESS_STALE_DAYS = 7


def pulled_before(enrolments: QuerySet[Enrolment], day: datetime.date) -> QuerySet[Enrolment]:
    """Enrolments whose progress was last pulled before ``day`` (local time), or never pulled and enrolled before it."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return enrolments.filter(Q(progress_pulled_at__lt=start) | Q(progress_pulled_at__isnull=True, created_at__lt=start))


def overdue(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Planned end date passed without completion (progress below 100 %, or none pulled)."""
    return enrolments.filter(Q(progress__lt=100) | Q(progress__isnull=True),
                             planned_end_date__lt=timezone.localdate())


def enrolments_progress_stale() -> QuerySet[Enrolment]:
    return pulled_before(Enrolment.objects.all(),
                         timezone.localdate() - datetime.timedelta(days=PROGRESS_STALE_DAYS - 1))


def enrolments_overdue() -> QuerySet[Enrolment]:
    return overdue(Enrolment.objects.all())
