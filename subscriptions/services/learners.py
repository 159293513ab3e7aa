"""Learners in aNewSpring: made known before a subscription, or pushed (created or updated) in bulk."""

from collections.abc import Iterator, Sequence
from itertools import batched

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_record
from portal.jobs import JobProgress, job_handler, job_launch
from portal.models import Job, Learner
from portal.services import learner_external_id_ensure
from portal.texts import text_register, text_result
from subscriptions import client as anewspring
from subscriptions.client import AnewspringClient, AnewspringError
from subscriptions.services.common import SYSTEM, anewspring_client, anewspring_require, remote_action
from subscriptions.services.outcomes import FAILED, SKIPPED, SubscribeOutcome, politely


def _user_payload(learner: Learner) -> anewspring.User:
    def text(value):
        return value or None

    return anewspring.User(
        id=learner.anewspring_id, login=text(learner.login), first_name=learner.first_name,
        middle_name=text(learner.middle_name), last_name=learner.last_name, email=text(learner.email),
        gender=text(learner.gender), title=text(learner.title), initials=text(learner.initials),
        function=text(learner.function), company=text(learner.company), date_of_birth=learner.date_of_birth,
        telephone_number=text(learner.telephone_number), cell_phone_number=text(learner.cell_phone_number),
        address=text(learner.address), zip=text(learner.zip), residence=text(learner.residence),
        country=text(learner.country), custom1=text(learner.custom1), role="student",
    )


def learner_ensure_remote(*, learner: Learner, client: AnewspringClient) -> bool:
    """Make sure aNewSpring knows the learner; creates them (with Custom1 and the learner role) if
    not. True if created.

    A learner with a stored aNewSpring UID is known there; otherwise userExists decides, and
    the UID aNewSpring gives is stored so the check is not repeated. A learner without an
    external ID gets one made by the portal first.
    """
    if learner.uid:
        return False
    user_id = learner_external_id_ensure(learner=learner)
    created = False
    if not client.user_exists(user_id):
        try:
            client.add_user(_user_payload(learner))
            created = True
        except AnewspringError as exc:
            if exc.status != 409:  # 409: added by someone else meanwhile, which is as good
                raise
    remote = client.get_user(user_id)
    with transaction.atomic():
        if remote.uid and not Learner.objects.filter(uid=remote.uid).exclude(pk=learner.pk).exists():
            Learner.objects.filter(pk=learner.pk).update(uid=remote.uid)
            learner.uid = remote.uid
        audit_record(action="learner.anewspring_create" if created else "learner.anewspring_link", system=SYSTEM,
                     learner=learner, obj=learner,
                     summary=gettext_lazy("Created in aNewSpring") if created else gettext_lazy("Found in aNewSpring"),
                     changes={"uid": {"before": None, "after": learner.uid}})
    return created


# --- create or update learners in aNewSpring ---------------------------------------------------
PUSHED = "pushed"
# A push job's result lists the learners that were not pushed, up to this many (the counts are complete).
PUSH_OUTCOMES_KEPT = 1000
PUSH_BATCH = 500


def learner_push(*, learner: Learner, client: AnewspringClient) -> SubscribeOutcome:
    """Create the learner in aNewSpring or update their fields there (addOrUpdateUser, with Custom1).

    The UID is not read back (that would be a getUser call per learner); :func:`learner_ensure_remote`
    links the learner when they are first subscribed.
    """
    with remote_action("learner.anewspring_push", learner=learner, obj=learner):
        learner_external_id_ensure(learner=learner)
        client.add_or_update_user(_user_payload(learner))
        audit_record(action="learner.anewspring_push", system=SYSTEM, learner=learner, obj=learner,
                     summary=gettext_lazy("Created or updated in aNewSpring"))
    return SubscribeOutcome(learner, PUSHED, _("%(learner)s is created or updated in aNewSpring.")
                            % {"learner": learner})


def _learners_by_id(learner_ids: Sequence[int]) -> Iterator[Learner]:
    """The learners in the given order, read a batch at a time (a push may hold 100,000 of them)."""
    for batch in batched(learner_ids, PUSH_BATCH):
        learners = Learner.objects.in_bulk(batch)
        yield from (learners[pk] for pk in batch if pk in learners)


def learners_push(*, learner_ids: Sequence[int], progress, client: AnewspringClient | None = None) -> dict:
    """Create or update the learners in aNewSpring, one call each, stopping politely on a retryable
    error. ``progress`` is a :class:`~portal.jobs.JobProgress` or anything with its ``set_total`` and
    ``advance``. Returns the counts, a summary, and the outcomes of the learners not pushed."""
    client = client or anewspring_client()
    progress.set_total(len(learner_ids))
    counts = {PUSHED: 0, FAILED: 0, SKIPPED: 0}
    kept = []

    def push(learner: Learner) -> SubscribeOutcome:
        return learner_push(learner=learner, client=client)

    for outcome in politely(_learners_by_id(learner_ids), push):
        counts[outcome.status] += 1
        if outcome.status != PUSHED and len(kept) < PUSH_OUTCOMES_KEPT:
            kept.append(outcome.as_dict())
        progress.advance()
    return {**text_result("anewspring.push", pushed=counts[PUSHED], failed=counts[FAILED], skipped=counts[SKIPPED]),
            "counts": counts, "outcomes": kept}


@text_register("anewspring.push")
def _push_text(*, pushed: int, failed: int, skipped: int) -> str:
    # One text, its words the same for 1 and for more, so the audit log's English reads back in Dutch too.
    return (_("aNewSpring: %(pushed)s created or updated, %(failed)s failed, %(skipped)s not attempted.")
            % {"pushed": pushed, "failed": failed, "skipped": skipped})


def learners_push_start(*, learner_ids: Sequence[int], title: str, user=None, correlation_id=None) -> Job:
    """:func:`learners_push` in a background job, started once the caller's transaction commits."""
    anewspring_require()
    return job_launch(kind="anewspring_learners_push", title=title, params={"learner_ids": list(learner_ids)},
                      user=user, total=len(learner_ids), correlation_id=correlation_id)


@job_handler("anewspring_learners_push", integration=SYSTEM)
def learners_push_job(job: Job, progress: JobProgress) -> dict:
    progress.step = 20
    return learners_push(learner_ids=job.params["learner_ids"], progress=progress)
