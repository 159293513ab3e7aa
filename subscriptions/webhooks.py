"""The receiver of aNewSpring's webhooks.

aNewSpring POSTs a JSON event signed with ``X-WebHook-Signature`` = Base64(HMAC-SHA1(raw
body, shared secret)) and retries (10 times, up to 16 h) until it gets a 2xx within 10 s.
So: verify, recognise a retried delivery, store, answer at once, and process in a Celery
task after the commit. Processing means reading that learner x course's results with
getResults, the source of truth; the event's own data is not trusted beyond naming the
learner and course. Whatever a signed body holds, it is stored and acknowledged: a body the
portal cannot read (not JSON, NaN, a number too large for a float, NUL characters, lone
surrogates, absurd nesting) is kept as text and marked ignored, since a retry would not make it
readable. A periodic sweep processes deliveries left unprocessed (broker down, task lost) or
failed for a reason a retry can cure.
"""

import base64
import hashlib
import hmac
import json
import logging
import math
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.audit import audit_context, audit_record
from portal.jobs import task_send
from portal.models import AuditEvent, Course, Learner
from subscriptions.client import AnewspringError, NotSubscribed
from subscriptions.models import WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-WebHook-Signature"
SYSTEM = "anewspring"
# Deeper JSON than this is no event aNewSpring sends; refused before the database sees it.
MAX_DEPTH = 32
# An event names a learner and a course; a body larger than this is refused unread (413).
MAX_BODY_BYTES = 256 * 1024
RAW_KEPT = 2000  # characters of an unreadable body kept for a human
# The sweep: deliveries untouched this long are taken up again, at most this many per run and
# this many attempts per delivery (a delivery that keeps failing stays visible as failed).
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 100
MAX_ATTEMPTS = 5

# --- What a payload may call things ----------------------------------------------------------------
# aNewSpring does not publish its event names or payload fields. These are the key names the
# receiver recognises; change them here (and only here) once real deliveries have been seen.
# Keys are looked for at the top level, inside "data"/"payload", and inside nested "user"/"course"
# objects (where plain "id"/"uid" count too).
EVENT_KEY = "event"          # the event name (API-NOTES)
CREATED_KEY = "created"      # when the event happened; the same on every retry (API-NOTES)
ENVELOPE_KEYS = ("data", "payload")
USER_ID_KEYS = ("userId", "userID", "userExternalId", "externalUserId", "user_id")
USER_UID_KEYS = ("userUid", "userUID", "user_uid")
COURSE_ID_KEYS = ("courseId", "courseID", "courseExternalId", "externalCourseId", "course_id")
USER_OBJECT_KEYS = ("user", "student", "learner")
COURSE_OBJECT_KEYS = ("course",)
# --------------------------------------------------------------------------------------------------


def signature_valid(body: bytes, signature: str | None) -> bool:
    """Constant-time check of the signature; without a configured secret nothing is valid."""
    secret = settings.ANEWSPRING_WEBHOOK_SECRET
    if not secret or not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()).decode("ascii")
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("ascii", "replace"))


class Unreadable(ValueError):
    """A signed body the portal cannot store as JSON; the message says why."""


def _refuse_constant(name: str):
    raise Unreadable(f"The body contains {name}, which is not JSON.")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e999: json.dumps writes Infinity, which PostgreSQL refuses
        raise Unreadable("The body contains a number too large to read.")
    return number


def _depth(value, limit: int) -> int:
    """Nesting depth, counted without recursion and giving up past ``limit``."""
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > limit:
            return depth
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)
                 if isinstance(child, (dict, list))]
    return depth


def payload_parse(body: bytes) -> dict:
    """The body as a JSON object fit for the database, or :class:`Unreadable`."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise Unreadable("The body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise exc if isinstance(exc, Unreadable) else Unreadable("The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise Unreadable("The body is not a JSON object.")
    if _depth(payload, MAX_DEPTH) > MAX_DEPTH:
        raise Unreadable("The body is nested too deeply.")
    text = json.dumps(payload, ensure_ascii=False)
    if "\\u0000" in text:  # PostgreSQL cannot store NUL in JSON text
        raise Unreadable("The body contains a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # "\ud800": half of a character, which no database or encoding takes
        raise Unreadable("The body contains a lone surrogate (half a character).") from None
    return payload


def delivery_identity(payload: dict) -> str:
    """What identifies a delivery: the whole payload (event, created and every subject it names),
    however it is formatted. Not (event, created) alone: two learners' events of one kind in the same
    second differ only in their subject, and a wrongly dropped event is lost while a delivery
    processed twice only reads the same results twice."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _raw_text(body: bytes) -> str:
    return body[:RAW_KEPT].decode("utf-8", "replace").replace("\x00", "\ufffd")


def webhook_receive(*, body: bytes) -> tuple[WebhookDelivery, bool]:
    """Store a verified delivery; returns (delivery, is_new). Processing starts after the commit.

    A delivery seen before is not stored again; if it failed, it is processed again."""
    try:
        payload = payload_parse(body)
    except Unreadable as exc:
        fields = {"identity": hashlib.sha256(body).hexdigest(), "event": "(unreadable)",
                  "created": hashlib.sha1(body).hexdigest(), "payload": {"raw": _raw_text(body)},
                  "status": WebhookDelivery.IGNORED, "note": str(exc), "processed_at": timezone.now()}
    else:
        fields = {"identity": delivery_identity(payload), "event": str(payload.get(EVENT_KEY) or "(none)")[:100],
                  "created": str(payload.get(CREATED_KEY) or "")[:64], "payload": payload}
    with audit_context(actor="webhook"):
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(**fields)
                audit_record(action="webhook.receive", system=SYSTEM, obj=delivery,
                             summary=f"{delivery.event} {delivery.created}")
                if delivery.status == WebhookDelivery.IGNORED:
                    _audit_outcome(delivery)
        except IntegrityError:
            delivery = WebhookDelivery.objects.get(identity=fields["identity"])
            if _retry_failed(delivery):
                _process_after_commit(delivery)
            return delivery, False
    if delivery.status == WebhookDelivery.RECEIVED:
        _process_after_commit(delivery)
    return delivery, True


def _retry_failed(delivery: WebhookDelivery) -> bool:
    """A redelivery of a failed delivery puts it back in line (once, however many redeliveries race)."""
    if delivery.status != WebhookDelivery.FAILED:
        return False
    with transaction.atomic():
        reset = WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.FAILED).update(
            status=WebhookDelivery.RECEIVED)
        if reset:
            delivery.status = WebhookDelivery.RECEIVED
            audit_record(action="webhook.redelivered", system=SYSTEM, obj=delivery,
                         summary=f"{delivery.event} {delivery.created}")
    return bool(reset)


def _process_after_commit(delivery: WebhookDelivery) -> None:
    from subscriptions.tasks import webhook_process

    transaction.on_commit(lambda: task_send(webhook_process, delivery.pk))


def _scopes(payload: dict) -> list[dict]:
    scopes = [payload] + [payload[k] for k in ENVELOPE_KEYS if isinstance(payload.get(k), dict)]
    return scopes


def _find(payload: dict, keys: tuple[str, ...], objects: tuple[str, ...], object_keys: tuple[str, ...]) -> str | None:
    for scope in _scopes(payload):
        for key in keys:
            if scope.get(key) not in (None, ""):
                return str(scope[key])
        for name in objects:
            nested = scope.get(name)
            if isinstance(nested, dict):
                for key in (*keys, *object_keys):
                    if nested.get(key) not in (None, ""):
                        return str(nested[key])
    return None


def payload_identifiers(payload: dict) -> tuple[str | None, str | None, str | None]:
    """(user external ID, user UID, course external ID) named by a payload."""
    return (_find(payload, USER_ID_KEYS, USER_OBJECT_KEYS, ("id", "externalId")),
            _find(payload, USER_UID_KEYS, USER_OBJECT_KEYS, ("uid",)),
            _find(payload, COURSE_ID_KEYS, COURSE_OBJECT_KEYS, ("id", "externalId")))


def _audit_outcome(delivery: WebhookDelivery) -> None:
    """Every outcome (processed, ignored, failed) is an audit event next to the delivery's receipt."""
    failed = delivery.status == WebhookDelivery.FAILED
    audit_record(action="webhook.process", system=SYSTEM, obj=delivery, learner=delivery.learner,
                 course=delivery.course,
                 outcome=AuditEvent.OUTCOME_FAILURE if failed else AuditEvent.OUTCOME_SUCCESS,
                 summary=f"{delivery.event} {delivery.created}: {delivery.status}",
                 changes={"status": delivery.status, "attempts": delivery.attempts},
                 error=delivery.note if failed else "")


def _finish(delivery: WebhookDelivery, status: str, note: str = "") -> WebhookDelivery:
    delivery.status, delivery.note, delivery.processed_at = status, note, timezone.now()
    with transaction.atomic():
        delivery.save(update_fields=["status", "note", "processed_at", "learner", "course"])
        _audit_outcome(delivery)
    return delivery


def webhook_process(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Refresh the results of the learner x course a delivery names; anything unknown is ignored (noted),
    a failure a retry may cure is marked failed for the sweep."""
    from subscriptions.services.results import learner_course_refresh

    if delivery.status != WebhookDelivery.RECEIVED:
        return delivery
    delivery.attempts += 1
    delivery.attempted_at = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1,
                                                          attempted_at=delivery.attempted_at)
    user_id, user_uid, course_id = payload_identifiers(delivery.payload)
    if not (user_id or user_uid) or not course_id:
        return _finish(delivery, WebhookDelivery.IGNORED,
                       f"Event {delivery.event!r} names no learner and course the portal recognises.")
    # aNewSpring's user ID is the learner's external ID; a UID is the fallback.
    learner = Learner.objects.filter(external_id=user_id).first() if user_id else None
    if learner is None and user_uid:
        learner = Learner.objects.filter(uid=user_uid).first()
    course = Course.objects.filter(external_id=course_id).first()
    delivery.learner, delivery.course = learner, course
    if learner is None:
        return _finish(delivery, WebhookDelivery.IGNORED, f"Unknown learner {user_id or user_uid}.")
    if course is None:
        return _finish(delivery, WebhookDelivery.IGNORED, f"Unknown course {course_id}.")
    with audit_context(actor="webhook", learner=learner, course=course):
        try:
            learner_course_refresh(learner=learner, course=course)
        except NotSubscribed as exc:
            return _finish(delivery, WebhookDelivery.IGNORED, exc.message)
        except AnewspringError as exc:
            return _finish(delivery, WebhookDelivery.FAILED if exc.retryable else WebhookDelivery.IGNORED,
                           exc.message)
        except Exception as exc:  # noqa: BLE001 - kept as failed for the sweep, not lost with the task
            logger.exception("Webhook delivery %s could not be processed", delivery.pk)
            return _finish(delivery, WebhookDelivery.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
    return _finish(delivery, WebhookDelivery.PROCESSED)


def webhook_sweep(*, limit: int = SWEEP_BATCH) -> dict:
    """Process deliveries left received (their task never ran) or failed, untouched for
    :data:`SWEEP_AFTER`, oldest first, at most ``limit`` of them; each gets :data:`MAX_ATTEMPTS`."""
    cutoff = timezone.now() - SWEEP_AFTER
    due = list(WebhookDelivery.objects
               .filter(status__in=[WebhookDelivery.RECEIVED, WebhookDelivery.FAILED], attempts__lt=MAX_ATTEMPTS)
               .annotate(last_touched=Coalesce("attempted_at", "received_at"))
               .filter(last_touched__lt=cutoff).order_by("received_at", "id")[:limit])
    counts = {status: 0 for status, _label in WebhookDelivery.STATUS_CHOICES}
    with audit_context(actor="webhook"):
        for delivery in due:
            if delivery.status == WebhookDelivery.FAILED and not WebhookDelivery.objects.filter(
                    pk=delivery.pk, status=WebhookDelivery.FAILED).update(status=WebhookDelivery.RECEIVED):
                continue  # a redelivery took it up meanwhile
            delivery.status = WebhookDelivery.RECEIVED
            counts[webhook_process(delivery=delivery).status] += 1
    return {"swept": len(due), **counts}
