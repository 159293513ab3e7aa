"""The receiver of aNewSpring's webhooks.

aNewSpring POSTs a JSON event signed with ``X-WebHook-Signature`` = Base64(HMAC-SHA1(raw
body, shared secret)) and retries (10 times, up to 16 h) until it gets a 2xx within 10 s.
So: verify, drop duplicates (same ``event`` + ``created``), store, answer at once, and
process in a Celery task after the commit. Processing means reading that learner x course's
results with getResults, the source of truth; the event's own data is not trusted beyond
naming the learner and course.
"""

import base64
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.audit import audit_context, audit_record
from portal.models import Course, Learner
from subscriptions.client import AnewspringError
from subscriptions.models import WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-WebHook-Signature"

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


def webhook_receive(*, body: bytes) -> tuple[WebhookDelivery, bool]:
    """Store a verified delivery; returns (delivery, is_new). Processing starts after the commit."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        # Retrying cannot help an unreadable body: acknowledge it and keep it for a human.
        event, created = "(unreadable)", hashlib.sha1(body).hexdigest()
        payload, status, note = {"raw": body[:2000].decode("utf-8", "replace")}, WebhookDelivery.IGNORED, \
            "The body is not a JSON object."
    else:
        event, created = str(payload.get(EVENT_KEY) or "")[:100], str(payload.get(CREATED_KEY) or "")[:64]
        status, note = WebhookDelivery.RECEIVED, ""
        if not event or not created:
            created = created or hashlib.sha1(body).hexdigest()
    with audit_context(actor="webhook"):
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(event=event or "(none)", created=created, payload=payload,
                                                          status=status, note=note)
                audit_record(action="webhook.receive", system="anewspring", obj=delivery,
                             summary=f"{delivery.event} {delivery.created}")
        except IntegrityError:
            return WebhookDelivery.objects.get(event=event or "(none)", created=created), False
    if status == WebhookDelivery.RECEIVED:
        from subscriptions.tasks import webhook_process

        transaction.on_commit(lambda: webhook_process.delay(delivery.pk))
    return delivery, True


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


def _finish(delivery: WebhookDelivery, status: str, note: str = "") -> WebhookDelivery:
    delivery.status, delivery.note, delivery.processed_at = status, note, timezone.now()
    delivery.save(update_fields=["status", "note", "processed_at", "learner", "course"])
    return delivery


def webhook_process(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Refresh the results of the learner x course a delivery names; anything unknown is ignored (noted)."""
    from subscriptions.services.results import learner_course_refresh

    if delivery.status != WebhookDelivery.RECEIVED:
        return delivery
    user_id, user_uid, course_id = payload_identifiers(delivery.payload)
    if not (user_id or user_uid) or not course_id:
        return _finish(delivery, WebhookDelivery.IGNORED,
                       f"Event {delivery.event!r} names no learner and course the portal recognises.")
    learner = Learner.objects.filter(
        Q(external_id=user_id) | Q(login=user_id) if user_id else Q(uid=user_uid)).first()
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
        except AnewspringError as exc:
            if exc.retryable:
                return _finish(delivery, WebhookDelivery.FAILED, exc.message)
            return _finish(delivery, WebhookDelivery.IGNORED, exc.message)
    return _finish(delivery, WebhookDelivery.PROCESSED)
