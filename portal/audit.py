"""The audit log's one service API.

Every service records what it did with :func:`audit_record`; every remote call made through a
session from :mod:`portal.http` is recorded by :func:`audit_remote_call`. Who acts, the
correlation id and the learner/course concerned come from the surrounding
:func:`audit_context` (set per request by the middleware, per run by tasks and commands),
so deep code does not pass them around.

Action codes and their labels live in :mod:`portal.actions` (``register_actions`` is re-exported
here). Summaries are stored in English: pass them as lazy translations (``gettext_lazy``,
``format_lazy``) and the page a reader opens translates the code's label, not the stored text.
Every event is chained to the previous one by a hash (see :class:`~portal.models.AuditChainHead`);
:func:`audit_chain_verify` recomputes the chain.
"""

import contextvars
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache, partial
from json.encoder import encode_basestring as _json_text  # a str as JSON, as ensure_ascii=False writes it

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.actions import register_actions  # noqa: F401  (re-exported: the apps register through here)
from portal.db import EncodedJSON
from portal.http import REDACTED, SECRET_NAMES, RemoteCall, redact
from portal.models import (
    AUDIT_CHAIN_GENESIS,
    AUDIT_HASHED_FIELDS,
    AuditChainHead,
    AuditEvent,
    Course,
    Learner,
    audit_event_digest,
)


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


def created_changes(values: Mapping[str, str]) -> EncodedJSON:
    """``changes`` for an object created with these text values (``{field: {"before": None, "after":
    value}}``, no secrets among them), serialised as the audit log's hash serialises it, in half the
    time of building and encoding the dicts: an import of 100,000 learners writes one per learner."""
    return EncodedJSON("{" + ",".join(f'{_json_text(name)}:{{"after":{_json_text(values[name])},"before":null}}'
                                      for name in sorted(values)) + "}")


def audit_record(
    *,
    action: str,
    system: str = AuditEvent.SYSTEM_PORTAL,
    outcome: str = AuditEvent.OUTCOME_SUCCESS,
    learner: Learner | None = None,
    course: Course | None = None,
    obj: models.Model | None = None,
    summary: str | Promise = "",
    changes: Mapping[str, object] | None = None,
    error: str | Promise = "",
) -> AuditEvent:
    ctx = _current.get()
    event = _build(ctx, action=action, system=system, outcome=outcome, learner=learner, course=course,
                   summary=stored_text(summary)[:500], changes=dict(changes or {}), error=stored_text(error),
                   **(object_fields(obj) if obj is not None else {}))
    event.save()
    return event


def object_fields(obj: models.Model) -> dict[str, str]:
    """The event fields naming the object an action was on (for :func:`audit_record_many` entries)."""
    return {"object_type": obj._meta.label_lower, "object_id": str(obj.pk), "object_repr": str(obj)[:255]}


def stored_text(text: str | Promise) -> str:
    """A summary or error as the log stores it: in English, whatever language the user speaks."""
    with translation.override("en"):
        return str(text)


def audit_remote_call(call: RemoteCall) -> AuditEvent:
    """Session hook: one audit event per HTTP call to a remote system."""
    event = _build(_current.get(), **remote_call_fields(call))
    event.save()
    return event


def remote_call_fields(call: RemoteCall) -> dict[str, object]:
    """The event fields of one remote call (for :func:`audit_record_many` entries)."""
    failed = call.error or call.status is None or call.status >= 400
    retried = f" ({call.attempts} attempts)" if call.attempts > 1 else ""
    return {"action": "remote_call", "system": call.system,
            "outcome": AuditEvent.OUTCOME_FAILURE if failed else AuditEvent.OUTCOME_SUCCESS,
            "summary": f"{call.method} {call.path}"[:480] + retried, "error": call.error, "http_method": call.method,
            "http_path": call.path[:500], "http_status": call.status, "duration_ms": call.duration_ms,
            "request_summary": call.request_summary, "response_summary": call.response_summary}


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
    rows = [_event_fields(ctx, **entry) for entry in entries]
    for row in rows:
        for name in ("summary", "error"):
            if isinstance(row.get(name), Promise):
                row[name] = stored_text(row[name])
    return len(AuditEvent.objects.append(rows))


@dataclass(frozen=True)
class ChainVerdict:
    """What recomputing the hash chain found: all well, or the first event that breaks it."""

    checked: int  # events whose hash was recomputed
    head_sequence: int
    head_hash: str
    problem: str = ""  # "" (intact), "changed", "removed", "out_of_order", "head_moved_back"
    event_id: int | None = None  # the event that was changed, inserted, or that follows the removed ones
    missing: tuple[int, int] | None = None  # chain positions removed (first, last)

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def message(self) -> str:
        """Said in the active language (English when the log stores it)."""
        if self.problem == "changed":
            return _("Event #%(event)s was changed after it was written.") % {"event": self.event_id}
        if self.problem == "out_of_order":
            return _("Event #%(event)s does not follow the event before it: it was inserted out of order.") % {
                "event": self.event_id}
        if self.problem == "head_moved_back":
            return _("The chain's head was moved back: it names event %(head)s of the chain as the last, but all "
                     "%(count)s events are intact and follow one another.") % {
                "head": self.head_sequence, "count": self.checked}
        if self.problem == "removed":
            first, last = self.missing
            removed = (_("Event %(first)s of the chain was removed") if first == last else
                       _("Events %(first)s to %(last)s of the chain were removed")) % {"first": first, "last": last}
            if self.event_id is None:
                return _("%(removed)s: the newest events are missing (all of them if the table was emptied).") % {
                    "removed": removed}
            return _("%(removed)s, just before event #%(event)s.") % {"removed": removed, "event": self.event_id}
        return ngettext("The %(count)d event is intact; the chain ends at %(sequence)s with hash %(hash)s.",
                        "All %(count)d events are intact; the chain ends at %(sequence)s with hash %(hash)s.",
                        self.checked) % {
            "count": self.checked, "sequence": self.head_sequence, "hash": self.head_hash}


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainVerdict:
    """Recompute every event's hash in chain order, streaming (constant memory), and stop at the first
    event that was changed, removed or inserted out of order."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead()
    expected, previous_hash, previous_pk, checked = 1, AUDIT_CHAIN_GENESIS, None, 0
    # Writers hold the head's lock while they take ids, so id order is chain order (and the pk index serves it).
    rows = AuditEvent.objects.order_by("pk").values_list("pk", "hash", *AUDIT_HASHED_FIELDS).iterator(chunk_size)
    for pk, stored_hash, *fields in rows:
        values = dict(zip(AUDIT_HASHED_FIELDS, fields, strict=True))
        found = partial(ChainVerdict, checked, head.sequence, head.hash, event_id=pk)
        if values["sequence"] > expected:
            return found("removed", missing=(expected, values["sequence"] - 1))
        if values["sequence"] < expected:
            return found("out_of_order")
        if values["previous_hash"] != previous_hash:
            # The event before was rewritten with its hash recomputed: this one still names the real hash.
            return replace(found("changed"), event_id=previous_pk) if previous_pk else found("out_of_order")
        if audit_event_digest(values) != stored_hash:
            return found("changed")
        if values["sequence"] == head.sequence and stored_hash != head.hash and not _head_later(head):
            return found("changed")  # and its hash recomputed to match: the head still knows the real one
        expected, previous_hash, previous_pk, checked = expected + 1, stored_hash, pk, checked + 1
    # Events written while this ran extend the chain beyond the head read at the start; the head read now
    # has moved past every one of them, unless an event was inserted without the writers' lock.
    head_now = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead()
    if expected - 1 < head.sequence:
        return ChainVerdict(checked, head.sequence, head.hash, "removed", missing=(expected, head.sequence))
    if expected - 1 > head_now.sequence:
        # Every event follows the one before it, but the chain goes on past the head: the head was set back.
        return ChainVerdict(checked, head_now.sequence, head_now.hash, "head_moved_back", event_id=previous_pk)
    return ChainVerdict(checked, expected - 1, previous_hash)


def _head_later(head: AuditChainHead) -> bool:
    """Whether the head's hash is that of an event further on: its sequence was set back, and the event
    at that place is not what changed."""
    return AuditEvent.objects.filter(sequence__gt=head.sequence, hash=head.hash).exists()


def audit_chain_check(*, chunk_size: int = 5000) -> ChainVerdict:
    """Verify the chain and record the verdict in the log itself (the dashboard shows the latest)."""
    verdict = audit_chain_verify(chunk_size=chunk_size)
    culprit = AuditEvent.objects.filter(pk=verdict.event_id).first() if verdict.event_id else None
    with translation.override("en"):
        summary = verdict.message
    audit_record(action="audit.verify", outcome=AuditEvent.OUTCOME_SUCCESS if verdict.ok else AuditEvent.OUTCOME_FAILURE,
                 obj=culprit, summary=summary, error=verdict.problem)
    return verdict
