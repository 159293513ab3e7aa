"""Mail to the users who asked for it on their profile page: a daily digest of their worklist, and mail at
once when PE-online rejects awards or a job they started fails.

Each mail is rendered in its recipient's language (plain text and HTML, from ``<template>_subject.txt``,
``<template>.txt`` and ``<template>.html``) and sent through Django's mail framework (``EMAIL_URL``). Each
is audited as ``notification.sent`` with its recipient and kind, never its body. Apps name portal's
functions here; portal names no app (the awards' mail is accreditation's template, sent by accreditation)."""

import logging
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.audit import audit_context, audit_record
from portal.models import AuditEvent, Job, Profile
from portal.worklist import worklist

logger = logging.getLogger(__name__)

DIGEST, JOB_FAILED = "worklist.digest", "job.failed"
# Permissions are read through Django's model backend (axes' backend, listed first, grants none).
_PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Most people one immediate mail goes to: coordinators, not every user of a big installation.
RECIPIENTS_MAX = 200


def mail_send(*, user, kind: str, template: str, context: dict) -> bool:
    """Send ``user`` one mail, in their language; audited (recipient and kind). A mail that cannot be sent
    (the mail server refuses it, or does not answer) is logged and audited as failed, never raised."""
    with translation.override(user.profile.language):
        context = {**context, "user": user, "portal_url": settings.PORTAL_URL}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        message = EmailMultiAlternatives(subject=subject, body=render_to_string(f"{template}.txt", context),
                                         to=[user.email])
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    summary = f"{kind} to {user.email}"
    try:
        message.send()
    except Exception as exc:  # SMTP, DNS, a refused address: whatever failed, the caller's work goes on
        logger.exception("Mail %s could not be sent to user %s", kind, user.pk)
        audit_record(action="notification.sent", outcome=AuditEvent.OUTCOME_FAILURE, obj=user, summary=summary,
                     error=str(exc) or type(exc).__name__)
        return False
    audit_record(action="notification.sent", obj=user, summary=summary)
    return True


def _reachable(users):
    return users.filter(is_active=True).exclude(email="")


def permission_holders_notify(*, permission: str, kind: str, template: str, context: dict) -> int:
    """Mail at once every active user holding ``permission`` who opted in to immediate mail; returns how
    many mails went out."""
    users = (_reachable(get_user_model().objects.with_perm(permission, backend=_PERMISSION_BACKEND))
             .filter(profile__immediate=True).select_related("profile").order_by("pk")[:RECIPIENTS_MAX])
    with audit_context(actor="system"):
        return sum(mail_send(user=user, kind=kind, template=template, context=context) for user in users)


def job_failed_notify(*, job_id: int) -> bool:
    """Mail the user who started the failed job, when they opted in to immediate mail."""
    job = Job.objects.select_related("created_by__profile").get(pk=job_id)
    user = job.created_by
    profile = getattr(user, "profile", None)  # none: never opted in
    if profile is None or not profile.immediate or not user.is_active or not user.email:
        return False
    with audit_context(actor="system", correlation_id=job.correlation_id):
        return mail_send(user=user, kind=JOB_FAILED, template="portal/email/job_failed",
                         context={"job": job, "url": job.get_absolute_url()})


def digests_send(*, now=None) -> dict:
    """Beat (hourly): from NOTIFY_DIGEST_HOUR on, send each user who opted in their worklist, at most once a
    day; a user whose worklist is empty gets nothing (a later run that day sends it once it has entries)."""
    now = now or timezone.now()
    counts = Counter()
    if timezone.localtime(now).hour < settings.NOTIFY_DIGEST_HOUR:
        return dict(counts)
    today = timezone.localdate(now)
    profiles = (Profile.objects.filter(Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=today), digest=True,
                                       user__is_active=True)
                .exclude(user__email="").select_related("user").order_by("pk"))
    for profile in profiles.iterator(chunk_size=100):
        with translation.override(profile.language):  # the entries' labels, in the recipient's language
            items = worklist(user=profile.user)
        if not items["items"]:
            counts["empty"] += 1
            continue
        # Claimed before sending: a second run (or a second beat) finds the day taken and sends nothing.
        if not Profile.objects.filter(pk=profile.pk, digest_sent_on=profile.digest_sent_on).update(
                digest_sent_on=today):
            continue
        if mail_send(user=profile.user, kind=DIGEST, template="portal/email/digest", context={"worklist": items}):
            counts["sent"] += 1
        else:  # tried again at the next run
            Profile.objects.filter(pk=profile.pk).update(digest_sent_on=profile.digest_sent_on)
            counts["failed"] += 1
    return dict(counts)
