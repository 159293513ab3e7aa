"""Reads for the Learning Assistant pages."""

from django.db.models import QuerySet

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
