"""Reads of the shared domain for pages and exports."""

from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from kombu import Connection

from portal.actions import action_choices
from portal.integrations import integrations
from portal.models import LEARNER_SEARCH_TEXT, AuditEvent, Course, Learner, PERegistration, Template
from portal.spreadsheet import changes_text, choice_labels, csv_export_lines
from portal.validators import ascii_digits


# A search reads at most this much of what was typed: every term is one more condition on every learner.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 10
SEARCH_MAX_HOLDERS = 100  # learners sharing one PE number: a handful at most


def search_terms(query: str) -> list[str]:
    """The words a search looks for: the first SEARCH_MAX_TERMS of the first SEARCH_MAX_LENGTH characters."""
    return query[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_TERMS]


def learner_search(*, query: str, learners: QuerySet[Learner] | None = None) -> QuerySet[Learner]:
    """Learners matching every term in a name, e-mail, external ID, login, UID or PE (BIG) number.

    Each term is one condition, never a join (joins multiply the rows, so the query grew
    exponentially with the number of terms). On PostgreSQL every part of it has an index: a trigram
    index on the names, e-mail and login as one text, an index each on the upper-cased external ID and
    UID, and the learners holding a PE number are looked up first (numbers are digits only)."""
    learners = (Learner.objects.all() if learners is None else learners).alias(search_text=LEARNER_SEARCH_TEXT)
    for term in search_terms(query):
        condition = Q(search_text__icontains=term) | Q(external_id__iexact=term) | Q(uid__iexact=term)
        number = term.rpartition("/")[2]
        if ascii_digits(number):
            holders = PERegistration.objects.filter(number=number).values_list("learner_id", flat=True)
            condition |= Q(pk__in=list(holders[:SEARCH_MAX_HOLDERS]))
        learners = learners.filter(condition)
    return learners


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


def audit_last_verification() -> AuditEvent | None:
    """The most recent run of ``audit_verify`` (command or beat job) and its verdict."""
    return AuditEvent.objects.filter(action="audit.verify").order_by("-created_at").first()


def audit_latest(*, limit: int = 10) -> QuerySet[AuditEvent]:
    """The dashboard's recent activity: what coordinators (and jobs) did and how it went; remote calls stay
    in the audit log."""
    return AuditEvent.objects.exclude(action="remote_call").select_related("learner", "course")[:limit]


AUDIT_EXPORT_HEADERS = [
    _("Time"), _("Actor"), _("Action"), _("System"), _("Outcome"), _("Learner ID"), _("Learner"), _("Course"),
    _("Object"), _("Summary"), _("HTTP method"), _("HTTP path"), _("HTTP status"), _("Duration (ms)"), _("Error"),
    _("Changes"), _("Correlation ID"),
]


def audit_export_lines(*, events: QuerySet[AuditEvent], separator: str = ",") -> Iterator[str]:
    """The events as CSV lines, read from the database in chunks: what a coordinator reads in a spreadsheet,
    labels rather than codes. The labels are looked up once per export (in the reader's language), not for
    each of a million rows."""
    actions, systems = dict(action_choices()), choice_labels(AuditEvent.SYSTEM_CHOICES)
    outcomes = choice_labels(AuditEvent.OUTCOME_CHOICES)
    field_labels: dict[str, dict[str, str]] = {}

    def changes(event: AuditEvent) -> str:
        if event.object_type not in field_labels:
            field_labels[event.object_type] = _field_labels(event.object_type)
        labels = field_labels[event.object_type]
        return changes_text(event.changes, lambda name: labels.get(name, name))

    def row(event: AuditEvent) -> list:
        return [event.created_at, event.actor, actions.get(event.action, event.action),
                systems.get(event.system, event.system), outcomes.get(event.outcome, event.outcome), event.learner_id,
                event.learner, event.course, event.object_repr, event.summary, event.http_method, event.http_path,
                event.http_status, event.duration_ms, event.error, changes(event), event.correlation_id]

    return csv_export_lines(header=AUDIT_EXPORT_HEADERS, separator=separator,
                            rows=(row(event) for event in events.iterator(chunk_size=2000)))


def _field_labels(object_type: str) -> dict[str, str]:
    """The names of an object type's fields ("portal.learner"), as a reader knows them: "Address"."""
    try:
        fields = apps.get_model(object_type)._meta.get_fields()
    except (LookupError, ValueError):
        return {}
    return {field.name: str(capfirst(field.verbose_name)) for field in fields if hasattr(field, "verbose_name")}


HEALTH_TIMEOUT_SECONDS = 2


def health_check() -> dict[str, str]:
    """One word per dependency for the load balancer: "ok", "down" or "not configured"."""
    return {"database": _database_health(), "broker": _broker_health()}


def _database_health() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def _broker_health() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not configured"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=HEALTH_TIMEOUT_SECONDS,
                        transport_options={"socket_timeout": HEALTH_TIMEOUT_SECONDS}) as broker:
            broker.ensure_connection(max_retries=1, timeout=HEALTH_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure to reach the broker means "down", whatever the transport raises
        return "down"
    return "ok"
