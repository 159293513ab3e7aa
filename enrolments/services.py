"""Writes for Learning Assistant: reference data sync, enrol, update, progress, bulk enrol.

As for aNewSpring: call Learning Assistant first, outside any transaction (the audit events of
failed calls are kept), then write the local copy and the action's audit event in one atomic
block, only after Learning Assistant confirmed. A failure is audited as the action failing and
raised as :class:`LearningAssistantError` with a message fit for the coordinator.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from enrolments import client as la
from enrolments.client import LearningAssistantClient, LearningAssistantError
from enrolments.models import Enrolment, LearnerIdentity, ProgressSnapshot, ReferenceItem, ReferenceSync
from enrolments.validators import normalise_gender
from portal.audit import audit_context, audit_record, audit_remote_call, diff
from portal.integrations import integration_require
from portal.jobs import JobProgress, job_handler, job_launch
from portal.models import AuditEvent, Job, Learner
from portal.texts import text_later, text_register, text_result

SYSTEM = la.SYSTEM


def learning_assistant_configured() -> bool:
    return bool(settings.LEARNING_ASSISTANT_URL and settings.LEARNING_ASSISTANT_USERNAME
                and settings.LEARNING_ASSISTANT_PASSWORD)


def learning_assistant_client(*, on_call=audit_remote_call) -> LearningAssistantClient:
    """The configured client; its token lives in the default cache, shared when CACHE_URL is."""
    integration_require(SYSTEM)
    return LearningAssistantClient(
        settings.LEARNING_ASSISTANT_URL, settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD,
        cache=cache, courses_path=settings.LEARNING_ASSISTANT_COURSES_PATH,
        companies_path=settings.LEARNING_ASSISTANT_COMPANIES_PATH, connect_timeout=settings.HTTP_CONNECT_TIMEOUT,
        read_timeout=settings.HTTP_READ_TIMEOUT, on_call=on_call)


@contextmanager
def _action(action: str, *, learner: Learner | None = None, obj=None) -> Iterator[None]:
    with audit_context(learner=learner):
        try:
            yield
        except LearningAssistantError as exc:
            audit_record(action=action, system=SYSTEM, outcome=AuditEvent.OUTCOME_FAILURE, learner=learner,
                         obj=obj, error=exc.message)
            raise


# --- reference data ------------------------------------------------------------------------------
def _framework_row(f: la.Framework) -> tuple[str, dict]:
    return f.title, {"qan": f.qan, "units": [asdict(unit) for unit in f.units]}


def _trainer_row(t: la.Trainer) -> tuple[str, dict]:
    # roles_known False: the answer had no role flags, so the form offers the trainer for both roles.
    roles = {"assessor": t.assessor, "verifier": t.verifier} | ({} if t.roles_known else {"roles_known": False})
    return " ".join(p for p in (t.forename, t.surname) if p), roles


# Each list: how to fetch it and how an item becomes (key, name, data).
REFERENCE_LISTS = {
    ReferenceItem.FRAMEWORKS: (lambda c: c.get_frameworks(), lambda f: (f.uuid, *_framework_row(f))),
    ReferenceItem.TRAINERS: (lambda c: c.get_trainers(), lambda t: (t.uuid, *_trainer_row(t))),
    ReferenceItem.COMPANIES: (lambda c: c.get_companies(), lambda c: (c.uuid, c.name, {})),
    ReferenceItem.NATIONALITIES: (lambda c: c.get_nationalities(), lambda n: (n.id, n.name, {})),
    ReferenceItem.ETHNICITIES: (lambda c: c.get_ethnicities(), lambda e: (e.id, e.name, {})),
}


class ReferenceSyncIncomplete(LearningAssistantError):
    """Some lists could not be read; they kept their entries. ``syncs`` has every list's outcome."""

    def __init__(self, failures: list[str], syncs: list[ReferenceSync]):
        self.syncs = syncs
        super().__init__(_("Learning Assistant reference data: %(count)s list(s) not synced, their previous "
                           "entries kept. %(failures)s") % {"count": len(failures), "failures": " ".join(failures)})


def _reference_store(list_name: str, rows: dict[str, tuple[str, dict]], skipped: int = 0) -> ReferenceSync:
    now = timezone.now()
    existing = {item.key: item for item in ReferenceItem.objects.filter(list_name=list_name)}
    added, renamed, new, changed = [], [], [], []
    for key, (name, data) in rows.items():
        item = existing.get(key)
        if item is None:
            added.append(name)
            new.append(ReferenceItem(list_name=list_name, key=key, name=name[:255], data=data, synced_at=now))
            continue
        if not item.active:
            added.append(name)
        elif item.name != name[:255]:
            renamed.append([item.name, name])
        if (item.name, item.data, item.active) != (name[:255], data, True):
            item.name, item.data, item.active = name[:255], data, True
            changed.append(item)
    gone = [item for key, item in existing.items() if key not in rows and item.active]
    removed = [item.name for item in gone]
    # A few statements per list, whatever its length.
    ReferenceItem.objects.bulk_create(new, batch_size=500)
    ReferenceItem.objects.bulk_update(changed, ["name", "data", "active"], batch_size=500)
    ReferenceItem.objects.filter(pk__in=[item.pk for item in gone]).update(active=False)
    ReferenceItem.objects.filter(list_name=list_name, active=True).update(synced_at=now)
    kept = ReferenceSync.NAMES_KEPT
    sync, _created = ReferenceSync.objects.update_or_create(
        list_name=list_name, defaults={"synced_at": now, "total": len(rows), "added_count": len(added),
                                       "removed_count": len(removed), "renamed_count": len(renamed),
                                       "added": added[:kept], "removed": removed[:kept], "renamed": renamed[:kept],
                                       "skipped_count": skipped, "error": "", "failed_at": None})
    audit_record(action="enrolments.reference_sync", system=SYSTEM, obj=sync,
                 summary=text_later(lambda: ngettext(
                     "{list}: {total} entry, {added} added, {removed} removed, {renamed} renamed",
                     "{list}: {total} entries, {added} added, {removed} removed, {renamed} renamed", len(rows))
                     .format(list=dict(ReferenceItem.LIST_CHOICES)[list_name], total=len(rows), added=len(added),
                             removed=len(removed), renamed=len(renamed))),
                 changes={"added": {"before": None, "after": sync.added},
                          "removed": {"before": sync.removed, "after": None},
                          "renamed": {"before": [r[0] for r in sync.renamed], "after": [r[1] for r in sync.renamed]}})
    return sync


def reference_sync(*, client: LearningAssistantClient | None = None) -> list[ReferenceSync]:
    """Fetch every list, then store them together. A list whose answer cannot be read (or that Learning
    Assistant refuses) keeps its entries and records why, the others are stored, and
    :class:`ReferenceSyncIncomplete` names the failed lists. A refused login or an unreachable service
    changes nothing."""
    client = client or learning_assistant_client()
    fetched, failures = {}, {}
    for list_name, (fetch, row) in REFERENCE_LISTS.items():
        try:
            with _action("enrolments.reference_sync"):
                items = fetch(client)
        except LearningAssistantError as exc:
            if isinstance(exc, la.LearningAssistantAuthError) or exc.retryable:
                raise
            failures[list_name] = exc.message
            continue
        fetched[list_name] = ({key: (name, data) for key, name, data in map(row, items)}, items.skipped)
    now = timezone.now()
    with transaction.atomic():
        syncs = [_reference_store(name, rows, skipped=skipped) for name, (rows, skipped) in fetched.items()]
        for list_name, message in failures.items():
            ReferenceSync.objects.update_or_create(list_name=list_name, defaults={"error": message, "failed_at": now})
    if failures:
        raise ReferenceSyncIncomplete(list(failures.values()), syncs)
    return syncs


def answer_check(*, client: LearningAssistantClient | None = None) -> list[la.AnswerCheck]:
    """Every read-only operation once, each answer described with its values redacted."""
    with _action("enrolments.answer_check"):
        checks = (client or learning_assistant_client()).check_answers()
    read = sum(1 for check in checks if check.read)
    audit_record(action="enrolments.answer_check", system=SYSTEM,
                 summary=format_lazy(gettext_lazy("{read} of {total} answers read"), read=read, total=len(checks)))
    return checks


def reference_sync_start(*, user=None) -> Job:
    return job_launch(kind="learning_assistant_reference_sync",
                      title=gettext_lazy("Sync reference data from Learning Assistant"),
                      params={}, user=user, total=len(ReferenceItem.LIST_CHOICES), requires=SYSTEM)


@job_handler("learning_assistant_reference_sync", integration=SYSTEM)
def reference_sync_job(job: Job, progress: JobProgress) -> dict:
    syncs = reference_sync()
    progress.advance(len(syncs))
    return {**text_result("learning_assistant.reference_sync", count=len(syncs)),
            "next_url": reverse("enrolment_reference")}


@text_register("learning_assistant.reference_sync")
def _reference_sync_text(*, count: int) -> str:
    return ngettext("%(count)d list synced.", "%(count)d lists synced.", count) % {"count": count}


# --- enrol ---------------------------------------------------------------------------------------
def source_learner_uuid(*, learner: Learner) -> uuid.UUID:
    """The learner's identifier in Learning Assistant, committed before it is first sent."""
    identity, _created = LearnerIdentity.objects.get_or_create(learner=learner)
    return identity.source_uuid


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


SENT_NAMES = frozenset(la.ELEMENT_NAMES) | frozenset(la.ADDRESS_NAMES)  # the form's fields that go to LA
REQUEST_VALUES = (frozenset(la.EnrolmentRequest.__dataclass_fields__) & SENT_NAMES) - {
    "course_uuid", "source_learner_uuid"}


def enrolment_request(*, framework: ReferenceItem, values: dict, unit_uuids: list[str], send_login_details: bool,
                      source_uuid, assign_evaluation: bool = False) -> la.EnrolmentRequest:
    """The GroupEnrolment request: the form's values plus the framework, units and our learner UUID."""
    # "Course UUID or Course QAN" (workflow page): the UUID, which every framework has; its QAN may be
    # missing or in another notation.
    return la.EnrolmentRequest(**{k: v for k, v in values.items() if k in REQUEST_VALUES},
                               course_uuid=framework.key,
                               source_learner_uuid=str(source_uuid), unit_uuids=tuple(unit_uuids),
                               send_login_details=send_login_details, assign_evaluation=assign_evaluation)


def enrolment_create(*, learner: Learner, framework: ReferenceItem, values: dict, unit_uuids: list[str],
                     send_login_details: bool = False, assign_evaluation: bool = False, user=None,
                     client: LearningAssistantClient | None = None) -> Enrolment:
    """GroupEnrolment; a refusal raises :class:`~enrolments.client.LearningAssistantRejected` (its
    ``issues`` name the fields) and changes nothing here."""
    source_uuid = source_learner_uuid(learner=learner)
    request = enrolment_request(framework=framework, values=values, unit_uuids=unit_uuids,
                                send_login_details=send_login_details, assign_evaluation=assign_evaluation,
                                source_uuid=source_uuid)
    with _action("enrolment.create", learner=learner):
        result = (client or learning_assistant_client()).group_enrolment(request)
    stored = {name: _text(value) for name, value in values.items() if value not in (None, "")}
    with transaction.atomic():
        enrolment = Enrolment.objects.create(
            learner=learner, framework=framework, candidate_uuid=result.candidate_uuid,
            uln=result.uln or stored.get("uln", ""),
            start_date=values["start_date"], planned_end_date=values["planned_end_date"], values=stored,
            unit_uuids=list(unit_uuids), created_by=user if user and user.is_authenticated else None)
        audit_record(action="enrolment.create", system=SYSTEM, learner=learner, obj=enrolment,
                     summary=format_lazy(gettext_lazy("Enrolled on {framework}"), framework=str(framework)),
                     changes=diff({}, {k: v for k, v in stored.items() if k in SENT_NAMES}))
    return enrolment


def enrolment_enrol(*, learner: Learner, framework: ReferenceItem, values: dict, unit_uuids: list[str],
                    send_login_details: bool = False, assign_evaluation: bool = False,
                    user=None) -> tuple[Enrolment, bool]:
    """The enrol form: ``(enrolment, enrolled now)``. A learner sent to Learning Assistant before (their UUID
    exists) may be enrolled there by an attempt whose answer was lost (a timeout after Learning Assistant
    acted): GetCandidates is asked first, and a candidate found is linked, not enrolled twice."""
    client = learning_assistant_client()
    identity = LearnerIdentity.objects.filter(learner=learner).first()
    if identity is not None:
        found = _candidates_by_source(client, framework).get(str(identity.source_uuid))
        if found is not None:
            return _enrolment_link(learner=learner, framework=framework, candidate=found, values=values,
                                   user=user), False
    return _enrolment_create_or_find(learner=learner, framework=framework, values=values, unit_uuids=unit_uuids,
                                     send_login_details=send_login_details, assign_evaluation=assign_evaluation,
                                     user=user, client=client)


def _enrolment_create_or_find(*, client: LearningAssistantClient, learner: Learner, framework: ReferenceItem,
                              values: dict, user=None, **options) -> tuple[Enrolment, bool]:
    """GroupEnrolment; when its answer says neither yes nor no, the learner is looked up (GetCandidates) and
    linked rather than offered for enrolling again. ``(enrolment, enrolled now)``."""
    try:
        return enrolment_create(learner=learner, framework=framework, values=values, user=user, client=client,
                                **options), True
    except la.LearningAssistantUnknownOutcome:
        found = _candidates_by_source(client, framework).get(str(source_learner_uuid(learner=learner)))
        if found is None:
            raise
        return _enrolment_link(learner=learner, framework=framework, candidate=found, values=values,
                               user=user), False


def enrolment_changes(*, enrolment: Enrolment, values: dict) -> dict[str, str]:
    """The updatable fields whose value differs from what was sent before (text, as sent)."""
    before = enrolment.values
    changes = {}
    for name, value in values.items():
        if name not in la.ADDRESS_NAMES and la.ELEMENT_NAMES.get(name) not in la.UPDATE_ELEMENTS:
            continue
        if _text(value) != before.get(name, ""):
            changes[name] = _text(value)
    return changes


def enrolment_update(*, enrolment: Enrolment, values: dict,
                     client: LearningAssistantClient | None = None) -> dict[str, str]:
    """UpdateEnrolment with only the changed fields plus the identifiers; returns what was sent."""
    changes = enrolment_changes(enrolment=enrolment, values=values)
    if not changes:
        return {}
    with _action("enrolment.update", learner=enrolment.learner, obj=enrolment):
        (client or learning_assistant_client()).update_enrolment(
            candidate_uuid=enrolment.candidate_uuid, course_uuid=enrolment.framework.key, changes=changes)
    with transaction.atomic():
        before = {name: enrolment.values.get(name, "") for name in changes}
        enrolment.values = {**enrolment.values, **changes}
        for name in ("start_date", "planned_end_date"):
            if name in changes:
                setattr(enrolment, name, date.fromisoformat(changes[name]))
        if "uln" in changes:
            enrolment.uln = changes["uln"]
        enrolment.save()
        audit_record(action="enrolment.update", system=SYSTEM, learner=enrolment.learner, obj=enrolment,
                     summary=format_lazy(gettext_lazy("Changed in Learning Assistant: {fields}"),
                                         fields=", ".join(changes)),
                     changes=diff(before, changes))
    return changes


# --- progress ------------------------------------------------------------------------------------
def enrolment_progress_pull(*, enrolment: Enrolment, full: bool = False,
                            client: LearningAssistantClient | None = None) -> Enrolment:
    """GetProgress (units) or GetProgressFull (outcomes too); stores a snapshot for the chart."""
    client = client or learning_assistant_client()
    call = client.get_progress_full if full else client.get_progress
    with _action("enrolment.progress_pull", learner=enrolment.learner, obj=enrolment):
        progress = call(candidate_uuid=enrolment.candidate_uuid, course_uuid=enrolment.framework.key)
    now = timezone.now()
    with transaction.atomic():
        enrolment.progress = progress.overall
        enrolment.units_progress = [asdict(unit) for unit in progress.units]
        enrolment.progress_pulled_at = now
        if full:
            enrolment.outcomes_pulled_at = now
        enrolment.save(update_fields=["progress", "units_progress", "progress_pulled_at", "outcomes_pulled_at"])
        ProgressSnapshot.objects.create(enrolment=enrolment, taken_at=now, progress=progress.overall)
        audit_record(action="enrolment.progress_pull", system=SYSTEM, learner=enrolment.learner, obj=enrolment,
                     summary=format_lazy(gettext_lazy("Progress {progress}%"), progress=f"{progress.overall:g}"))
    return enrolment


def enrolments_progress_pull_active(*, limit: int | None = None) -> dict:
    """Beat: GetProgress for a bounded batch of unfinished enrolments, the longest-unpulled first.
    Stops at the first error a later retry may cure (Learning Assistant down or slow)."""
    if not learning_assistant_configured():
        return {"pulled": 0, "failed": 0}
    # Pulled within half an interval: a second run (redelivered, overlapping) does not pull it again.
    pulled_lately = timezone.now() - timedelta(seconds=settings.LEARNING_ASSISTANT_PROGRESS_SECONDS / 2)
    batch = (Enrolment.objects.select_related("learner", "framework")
             .filter(Q(progress__isnull=True) | Q(progress__lt=100))
             .exclude(progress_pulled_at__gte=pulled_lately)
             .order_by(F("progress_pulled_at").asc(nulls_first=True), "pk")
             [:limit or settings.LEARNING_ASSISTANT_PROGRESS_BATCH])
    client = learning_assistant_client()
    pulled = failed = 0
    for enrolment in batch:
        try:
            enrolment_progress_pull(enrolment=enrolment, client=client)
            pulled += 1
        except LearningAssistantError as exc:
            failed += 1
            if exc.retryable:
                break
    return {"pulled": pulled, "failed": failed}


# --- bulk enrol ----------------------------------------------------------------------------------
ENROLLED, ALREADY, FAILED = "enrolled", "already_enrolled", "failed"


def enrolments_bulk_start(*, learners: list[Learner], framework: ReferenceItem, values: dict,
                          unit_uuids: list[str], send_login_details: bool, assign_evaluation: bool = False,
                          user=None) -> Job:
    """Enrol several learners on one framework with the same trainers, company and dates."""
    params = {"learner_ids": [learner.pk for learner in learners], "framework_id": framework.pk,
              "values": {k: _text(v) for k, v in values.items()}, "unit_uuids": list(unit_uuids),
              "send_login_details": send_login_details, "assign_evaluation": assign_evaluation}
    return job_launch(kind="learning_assistant_bulk_enrol", params=params, user=user, total=len(learners),
                      title=text_later(lambda: ngettext("Enrol %(count)d learner on %(framework)s",
                                                        "Enrol %(count)d learners on %(framework)s", len(learners))
                                       % {"count": len(learners), "framework": framework}), requires=SYSTEM)


def learner_values(*, learner: Learner) -> dict:
    """What the portal knows of a learner, under the enrolment form's names."""
    return {"forename": learner.first_name, "surname": " ".join(p for p in (learner.middle_name, learner.last_name)
                                                                if p),
            "email": learner.email, "birth_date": learner.date_of_birth, "gender": normalise_gender(learner.gender),
            "job_title": learner.function, "address_line1": learner.address, "town": learner.residence,
            "postcode": learner.zip}


def _candidates_by_source(client: LearningAssistantClient, framework: ReferenceItem) -> dict[str, la.Candidate]:
    """Learning Assistant's candidates on ``framework`` (GetCandidates), by our learner UUID."""
    qan = framework.data.get("qan", "")
    if not qan:  # GetCandidates asks by QAN only
        return {}
    return {c.source_learner_uuid: c for c in client.get_candidates(course_qan=qan) if c.uuid}


def _enrolment_link(*, learner: Learner, framework: ReferenceItem, candidate: la.Candidate, values: dict,
                    user=None) -> Enrolment:
    """Keep an enrolment Learning Assistant already has (GetCandidates) without enrolling again."""
    stored = {name: _text(value) for name, value in values.items() if value not in (None, "")}
    with transaction.atomic():
        enrolment = Enrolment.objects.create(
            learner=learner, framework=framework, candidate_uuid=candidate.uuid, uln=candidate.uln,
            start_date=values["start_date"], planned_end_date=values["planned_end_date"], values=stored,
            created_by=user)
        audit_record(action="enrolment.link", system=SYSTEM, learner=learner, obj=enrolment,
                     summary=gettext_lazy("Already enrolled in Learning Assistant: linked, not enrolled again"))
    return enrolment


@job_handler("learning_assistant_bulk_enrol", integration=SYSTEM,
             result_template="enrolments/_job_outcomes.html")
def enrolments_bulk_job(job: Job, progress: JobProgress) -> dict:
    """Per learner: enrolled here already, known to Learning Assistant already (an earlier run whose
    answer was lost), or enrolled now. Running the job again never enrols anyone twice."""
    params = job.params
    framework = ReferenceItem.objects.get(pk=params["framework_id"])
    common = {k: (date.fromisoformat(v) if k in ("start_date", "planned_end_date") and v else v)
              for k, v in params["values"].items()}
    learners = Learner.objects.in_bulk(params["learner_ids"])
    client = learning_assistant_client()
    remote = _candidates_by_source(client, framework)
    # A job resumed after its worker died keeps the outcomes it published and goes on with the rest.
    outcomes = list(job.result.get("outcomes", []))
    handled = {o["learner_id"] for o in outcomes}
    progress.job.done = len(outcomes)
    for learner_id in params["learner_ids"]:
        learner = learners.get(learner_id)
        if learner is None or learner_id in handled:
            continue
        values = {**learner_values(learner=learner), **common}
        existing = Enrolment.objects.filter(learner=learner, framework=framework).first()
        candidate = remote.get(str(source_learner_uuid(learner=learner)))
        if existing is not None:
            outcome = {"status": ALREADY, "message": _("Already enrolled on this framework: not enrolled again."),
                       "enrolment_id": existing.pk}
        elif candidate is not None:
            enrolment = _enrolment_link(learner=learner, framework=framework, candidate=candidate, values=values,
                                        user=job.created_by)
            outcome = {"status": ALREADY, "message": _("Learning Assistant has this enrolment already: linked."),
                       "enrolment_id": enrolment.pk}
        else:
            try:
                enrolment, _enrolled_now = _enrolment_create_or_find(
                    client=client, learner=learner, framework=framework, values=values,
                    unit_uuids=params["unit_uuids"], send_login_details=params["send_login_details"],
                    assign_evaluation=params.get("assign_evaluation", False), user=job.created_by)
                outcome = {"status": ENROLLED, "message": _("Enrolled."), "enrolment_id": enrolment.pk}
            except LearningAssistantError as exc:
                outcome = {"status": FAILED, "message": exc.message, "enrolment_id": None}
        outcomes.append({"learner_id": learner.pk, "learner": learner.full_name, **outcome})
        progress.advance()
        Job.objects.filter(pk=job.pk).update(result={"outcomes": outcomes}, done=progress.job.done)
    counts = {status: sum(1 for o in outcomes if o["status"] == status) for status in (ENROLLED, ALREADY, FAILED)}
    return {"outcomes": outcomes, "counts": counts,
            **text_result("learning_assistant.bulk_enrol", enrolled=counts[ENROLLED], already=counts[ALREADY],
                          failed=counts[FAILED])}


@text_register("learning_assistant.bulk_enrol")
def _bulk_enrol_text(*, enrolled: int, already: int, failed: int) -> str:
    # One text, its words the same for 1 and for more, so the audit log's English reads back in Dutch too.
    return (_("%(enrolled)s enrolled, %(already)s already enrolled, %(failed)s failed.")
            % {"enrolled": enrolled, "already": already, "failed": failed})
