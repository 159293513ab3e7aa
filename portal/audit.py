"""The audit log's one service API.

Every service records what it did with :func:`audit_record`; every remote call made through a
session from :mod:`portal.http` is recorded by :func:`audit_remote_call`. Who acts, the
correlation id and the learner/course concerned come from the surrounding
:func:`audit_context` (set per request by the middleware, per run by tasks and commands),
so deep code does not pass them around.
"""

import contextvars
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache

from django.db import models

from portal.db import bulk_insert
from portal.http import REDACTED, SECRET_NAMES, RemoteCall, redact
from portal.models import AuditEvent, Course, Learner


@dataclass(frozen=True)
class AuditContext:
    actor: str = "system"
    user_id: int | None = None
    correlation_id: uuid.UUID | None = None
    learner_id: int | None = None
    course_id: int | None = None


_current = contextvars.ContextVar("audit_context", default=AuditContext())


def current_context() -> AuditContext:
    return _current.get()


@contextmanager
def audit_context(*, user=None, actor: str | None = None, correlation_id: uuid.UUID | str | None = None,
                  learner: Learner | None = None, course: Course | None = None) -> Iterator[AuditContext]:
    """Nestable: what is not given is inherited from the enclosing context."""
    outer = _current.get()
    changes = {}
    if user is not None and user.is_authenticated:
        changes.update(actor=user.get_username(), user_id=user.pk)
    elif actor is not None:
        changes.update(actor=actor, user_id=None)
    if correlation_id is not None:
        changes["correlation_id"] = uuid.UUID(str(correlation_id))
    elif outer.correlation_id is None:
        changes["correlation_id"] = uuid.uuid4()
    if learner is not None:
        changes["learner_id"] = learner.pk
    if course is not None:
        changes["course_id"] = course.pk
    token = _current.set(replace(outer, **changes))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@lru_cache(maxsize=512)
def _is_secret_name(name: str) -> bool:
    return bool(SECRET_NAMES.search(name))


def _audit_value(name: str, value):
    """A value as the audit log stores it: JSON-ready, and never a secret."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if _is_secret_name(name):
        return REDACTED
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return redact(str(value))


def diff(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """``{field: {"before": x, "after": y}}`` for the fields that changed (secrets redacted)."""
    return {
        name: {"before": _audit_value(name, before.get(name)), "after": _audit_value(name, after.get(name))}
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }


def audit_record(
    *,
    action: str,
    system: str = AuditEvent.SYSTEM_PORTAL,
    outcome: str = AuditEvent.OUTCOME_SUCCESS,
    learner: Learner | None = None,
    course: Course | None = None,
    obj: models.Model | None = None,
    summary: str = "",
    changes: Mapping[str, object] | None = None,
    error: str = "",
) -> AuditEvent:
    ctx = _current.get()
    event = _build(ctx, action=action, system=system, outcome=outcome, learner=learner, course=course,
                   summary=summary, changes=dict(changes or {}), error=error)
    if obj is not None:
        event.object_type = obj._meta.label_lower
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:255]
    event.save()
    return event


def audit_remote_call(call: RemoteCall) -> AuditEvent:
    """Session hook: one audit event per HTTP call to a remote system."""
    failed = call.error or call.status is None or call.status >= 400
    event = _build(
        _current.get(),
        action="remote_call",
        system=call.system,
        outcome=AuditEvent.OUTCOME_FAILURE if failed else AuditEvent.OUTCOME_SUCCESS,
        summary=f"{call.method} {call.path}"[:500],
        error=call.error,
    )
    event.http_method = call.method
    event.http_path = call.path[:500]
    event.http_status = call.status
    event.duration_ms = call.duration_ms
    event.request_summary = call.request_summary
    event.response_summary = call.response_summary
    event.save()
    return event


def _build(ctx: AuditContext, **fields) -> AuditEvent:
    return AuditEvent(**_event_fields(ctx, **fields))


def _event_fields(ctx: AuditContext, *, learner=None, course=None, **fields) -> dict[str, object]:
    return {
        "actor": ctx.actor,
        "actor_user_id": ctx.user_id,
        "correlation_id": ctx.correlation_id or uuid.uuid4(),
        "learner_id": learner.pk if learner is not None else ctx.learner_id,
        "course_id": course.pk if course is not None else ctx.course_id,
        **fields,
    }


def audit_record_many(entries: list[dict]) -> int:
    """Bulk form of :func:`audit_record` for jobs that touch thousands of objects (same keywords,
    but ``learner_id`` instead of ``learner``, and ``object_type``/``object_id``/``object_repr``
    instead of ``obj``)."""
    ctx = _current.get()
    return len(bulk_insert(AuditEvent, [_event_fields(ctx, **entry) for entry in entries]))
