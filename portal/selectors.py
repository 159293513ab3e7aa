"""Reads of the shared domain for pages and exports."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal.integrations import integrations
from portal.models import AuditEvent, Course, Learner, PERegistration, Template


def learner_search(*, query: str) -> QuerySet[Learner]:
    """Learners matching a name, e-mail, external ID, login, UID or PE (BIG) number."""
    learners = Learner.objects.all()
    for term in query.split():
        learners = learners.filter(
            Q(first_name__icontains=term) | Q(middle_name__icontains=term) | Q(last_name__icontains=term)
            | Q(email__icontains=term) | Q(external_id__iexact=term) | Q(login__icontains=term)
            | Q(uid__iexact=term) | Q(pe_registrations__number=term.rpartition("/")[2])
        )
    return learners.distinct() if query.strip() else learners


def learner_timeline(*, learner: Learner, limit: int = 50) -> QuerySet[AuditEvent]:
    return learner.audit_events.select_related("course")[:limit]


def integration_statuses() -> list[dict]:
    """One slot per registered remote system: configured or not, and how its most recent call went."""
    slots = []
    for integration in integrations():
        configured = integration.is_configured()
        last_call = (
            AuditEvent.objects.filter(system=integration.name, action="remote_call")
            .order_by("-created_at", "-id").first()
            if configured else None
        )
        slots.append({"system": integration.name, "label": integration.label, "configured": configured,
                      "url": integration.url() if configured else "", "last_call": last_call})
    return slots


def dashboard_counts() -> dict[str, int]:
    today = timezone.localdate()
    learners = Learner.objects.aggregate(total=Count("id"), active=Count("id", filter=Q(active=True)))
    return {
        "learners": learners["total"],
        "active_learners": learners["active"],
        "pe_registrations": PERegistration.objects.count(),
        "templates": Template.objects.count(),
        "courses": Course.objects.count(),
        "audit_today": AuditEvent.objects.filter(created_at__date=today).count(),
        "failures_today": AuditEvent.objects.filter(created_at__date=today, outcome=AuditEvent.OUTCOME_FAILURE).count(),
    }


def audit_latest(*, limit: int = 10) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("learner", "course")[:limit]
