"""Writes for PE-online accreditation: configuration, awards from results, submission, resending.

Exactly once toward PE-online: a submitting worker claims due awards with
``select_for_update(skip_locked=True)`` and marks them *sending* in its own committed transaction
before the call, so a second worker never picks them up. An award still *sending* long after its
worker should have answered belongs to a worker that died between send and record: types 2 and 3
go back to *due* (PE-online writes person + course (+ module) + endDate once), types 1 and 4 to
*unknown: check in PE-online*, resent only by a coordinator.
"""

import copy
import operator
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from functools import partial, reduce
from itertools import batched, count, groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.forms.models import model_to_dict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from accreditation import client as pe
from accreditation import selectors
from accreditation.client import Attendance, PEOnlineClient, PEOnlineError
from accreditation.models import (
    TYPES_WITH_END_DATE, Award, CertificateAccreditation, CourseAccreditation, EventAccreditation,
    TemplateAccreditation)
from accreditation.rules import Configuration, Due, awards_for, awards_from_results, registrations_of
from portal.audit import audit_record, audit_record_many, audit_remote_call, diff
from portal.integrations import ConnectionCheck, ResultPart, stored_results
from portal.jobs import JobProgress, job_handler, job_launch
from portal.models import Activity, Job, Template
from portal.notifications import permission_holders_notify
from portal.worklist import url_with
from portal.texts import text_later, text_register, text_result

SYSTEM = "pe_online"
MAX_AUTOMATIC_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=5)
RESEND_LIMIT = 1000
RESENDABLE = (Award.REJECTED, Award.FAILED, Award.UNKNOWN)


def pe_online_configured() -> bool:
    return bool(settings.PE_ONLINE_URL and settings.PE_ONLINE_USER_ID and settings.PE_ONLINE_USER_KEY)


def pe_online_client(*, on_call=audit_remote_call) -> PEOnlineClient:
    return PEOnlineClient(settings.PE_ONLINE_URL, settings.PE_ONLINE_USER_ID, settings.PE_ONLINE_USER_KEY,
                          connect_timeout=settings.HTTP_CONNECT_TIMEOUT, read_timeout=settings.HTTP_READ_TIMEOUT,
                          on_call=on_call)


def pe_online_check_connection() -> ConnectionCheck:
    """One harmless call (an Entry without attendances); a 400 means a wrong userID or userKey."""
    try:
        pe_online_client().check_connection(org_id=settings.PE_ONLINE_ORG_ID or 0)
    except PEOnlineError as exc:
        if exc.status == 400:
            return ConnectionCheck(False, _("PE-online refused the userID and userKey (error 400): check "
                                            "PE_ONLINE_USER_ID and PE_ONLINE_USER_KEY."))
        return ConnectionCheck(False, exc.message)
    return ConnectionCheck(True, _("PE-online accepted the userID and userKey."))


# --- configuration ----------------------------------------------------------------------------------
CONFIG_AUDIT_EXCLUDE = {"id", "updated_at"}


# An award's message is stored in English and shown translated (portal.texts.stored_shown).
WITHDRAWN_REASON = gettext_noop("Withdrawn: its PE IDs no longer apply after a change of the PE configuration.")
SUPERSEDED_REASON = gettext_noop("Accepted under PE IDs that no longer apply after a change of the PE configuration: "
                                 "settle it in PE-online, or resend it under the new IDs.")
RECOVERED_UNKNOWN = gettext_noop("The worker stopped after sending; PE-online may have written this attendance. "
                                 "Check in PE-online before resending.")


def _refuse_while_settling(settling: int) -> None:
    if settling:
        raise ValidationError(ngettext(
            "%(count)s award of this template is being sent or unknown: settle it before changing the PE "
            "configuration.",
            "%(count)s awards of this template are being sent or unknown: settle them before changing the PE "
            "configuration.", settling) % {"count": settling})


def configuration_preview(config, data: dict) -> selectors.ConfigurationChange:
    """What saving ``data`` into ``config`` would do to the existing awards; changes nothing."""
    changed = copy.copy(config)
    for name, value in data.items():
        setattr(changed, name, value)
    return selectors.configuration_change(changed)


def _config_save(config, data: dict, *, action: str, template: Template, user=None) -> object:
    """Save one PE configuration and audit its before/after; awards under PE IDs that no longer apply are
    withdrawn (not yet accepted) or marked accepted under earlier PE IDs, both pointing at this change's
    audit event; the background job then runs the rules again over stored results to make the new awards.
    Refused while an award of the template is sending or unknown: its outcome decides what to withdraw."""
    fields = [f.name for f in config._meta.concrete_fields if f.name not in CONFIG_AUDIT_EXCLUDE]
    before = model_to_dict(config, fields=fields) if config.pk else {}
    for name, value in data.items():
        setattr(config, name, value)
    with transaction.atomic():
        config.full_clean()
        change = selectors.configuration_change(config)
        _refuse_while_settling(change.settling)
        config.save()
        event = audit_record(action=action, system=SYSTEM, obj=config,
                             summary=f"{config}: {change.withdraw} withdrawn, {change.supersede} accepted under "
                                     f"earlier PE IDs, {change.make} to make"[:500],
                             changes=diff(before, model_to_dict(config, fields=fields)))
        _retire(change, event.pk)
        # A submission may have claimed one of them since the count: the update skipped it, so undo it all.
        _refuse_while_settling(_claimed_meanwhile(change))
        awards_rules_rerun_start(template=template, user=user, configuration_event=event)
    return config


def _retire(change: selectors.ConfigurationChange, event_id: int | None) -> None:
    """Withdraw or supersede the groups of awards whose PE IDs no longer apply: one UPDATE per 100 groups
    of equal PE IDs, no rows loaded; each matches its status, so an award claimed meanwhile is left alone."""
    for status, reason, groups in (
            (Award.WITHDRAWN, WITHDRAWN_REASON, [(s, g) for s, g in change.retired if s != Award.ACCEPTED]),
            (Award.SUPERSEDED, SUPERSEDED_REASON, [(s, g) for s, g in change.retired if s == Award.ACCEPTED])):
        for chunk in batched(groups, 100):
            match = reduce(operator.or_, (Q(status=s, **group) for s, group in chunk))
            Award.objects.filter(match).update(status=status, message=reason, configuration_event_id=event_id,
                                               next_attempt_at=None)


def _claimed_meanwhile(change: selectors.ConfigurationChange) -> int:
    groups = [group for _status, group in change.retired]
    return sum(Award.objects.filter(reduce(operator.or_, (Q(**group) for group in chunk)),
                                    status__in=selectors.SETTLING).count() for chunk in batched(groups, 100))


def template_accreditation_save(*, template: Template, data: dict, user=None) -> TemplateAccreditation:
    config = TemplateAccreditation.objects.filter(template=template).first() or TemplateAccreditation(template=template)
    return _config_save(config, data, action="accreditation.template_save", template=template, user=user)


def course_accreditation_save(*, course, data: dict, user=None) -> CourseAccreditation:
    config = CourseAccreditation.objects.filter(course=course).first() or CourseAccreditation(course=course)
    return _config_save(config, data, action="accreditation.course_save", template=course.template, user=user)


def certificate_accreditation_save(*, activity: Activity, data: dict, user=None) -> CertificateAccreditation:
    config = (CertificateAccreditation.objects.filter(activity=activity).first()
              or CertificateAccreditation(activity=activity))
    return _config_save(config, data, action="accreditation.certificate_save", template=activity.template, user=user)


def event_accreditation_save(*, event, data: dict, user=None) -> EventAccreditation:
    config = EventAccreditation.objects.filter(event=event).first() or EventAccreditation(event=event)
    return _config_save(config, data, action="accreditation.event_save", template=event.course.template, user=user)


# --- awards under a basis no longer chosen --------------------------------------------------------------------
OFF_BASIS_BATCH = 1000
OFF_BASIS_BATCHES_PER_SUBMISSION = 10
OFF_BASIS_REASON = "Withdrawn: the template's award basis is now %(basis)s, not the %(trigger)s that made this award."
NO_CONFIGURATION_REASON = "Withdrawn: the template has no PE configuration any more."


def awards_withdraw_off_basis(*, template_id: int | None = None, batches: int | None = None) -> int:
    """Withdraw the awards not yet accepted whose trigger is not their template's award basis (a basis set
    outside a configuration change, as the data migration did), 1,000 to a transaction, audited per award;
    at most ``batches`` transactions (None: all). Accepted ones stay accepted: they are in the register and no
    new IDs replace them. Returns how many were withdrawn."""
    awards = selectors.awards_off_basis()
    if template_id is not None:
        awards = awards.filter(activity__template_id=template_id)
    bases = dict(TemplateAccreditation.basis.field.choices)
    triggers = dict(Award.TRIGGER_CHOICES)
    withdrawn = 0
    for _batch in count() if batches is None else range(batches):
        with transaction.atomic(), translation.override("en"):
            rows = list(awards.select_for_update(skip_locked=True, of=("self",)).order_by("id").values_list(
                "pk", "status", "learner_id", "course_id", "trigger", "activity__template__accreditation__basis")
                [:OFF_BASIS_BATCH])
            if not rows:
                return withdrawn
            entries = []
            for (basis, trigger), group in groupby(sorted(rows, key=_basis_and_trigger), key=_basis_and_trigger):
                group = list(group)
                reason = (OFF_BASIS_REASON % {"basis": bases[basis], "trigger": triggers[trigger]}
                          if basis else NO_CONFIGURATION_REASON)
                Award.objects.filter(pk__in=[r[0] for r in group]).update(
                    status=Award.WITHDRAWN, message=reason, next_attempt_at=None)
                entries.extend({"action": "award.withdraw", "system": SYSTEM, "learner_id": learner_id,
                                "course_id": course_id, "object_type": Award._meta.label_lower, "object_id": str(pk),
                                "summary": reason, "changes": diff({"status": status}, {"status": Award.WITHDRAWN})}
                               for pk, status, learner_id, course_id, _trigger, _basis in group)
            audit_record_many(entries)
            withdrawn += len(rows)
    return withdrawn


def _basis_and_trigger(row: tuple) -> tuple[str, str]:
    return row[5] or "", row[4]  # no basis: the template has no PE configuration


# --- the rules over stored results --------------------------------------------------------------------
def awards_rules_rerun_start(*, template: Template, user=None, configuration_event=None) -> Job:
    return job_launch(kind="pe_awards_rules",
                      title=text_later(lambda: _("PE-online award rules for %(template)s") % {"template": template}),
                      params={"template_id": template.pk,
                              "configuration_event_id": configuration_event.pk if configuration_event else None},
                      user=user)


@job_handler("pe_awards_rules")
def awards_rules_job(job: Job, progress: JobProgress) -> dict:
    template_id = job.params["template_id"]
    awards_withdraw_off_basis(template_id=template_id)
    # Awards made under the old configuration by results that arrived while the change was being saved.
    config = TemplateAccreditation.objects.filter(template_id=template_id).select_related("template").first()
    if config is not None:
        _retire(selectors.configuration_change(config), job.params.get("configuration_event_id"))
    activity_ids = list(Activity.objects.filter(template_id=template_id).values_list("pk", flat=True))
    created = awards_rules_rerun(activity_ids=activity_ids)
    return {"created": created, **text_result("accreditation.rules", created=created)}


@text_register("accreditation.rules")
def _rules_text(*, created: int) -> str:
    return ngettext("%(count)d award made.", "%(count)d awards made.", created) % {"count": created}


def awards_rules_rerun(*, activity_ids: Sequence[int]) -> int:
    """The rules once more over every stored result of these activities (configuration changed)."""
    return awards_from_results(parts=stored_results(activity_ids=activity_ids), configuration=Configuration())


# --- a learner's Custom1 changed ------------------------------------------------------------------------
OPEN_STATUSES = (Award.BLOCKED, Award.NO_DATE, Award.DUE, Award.REJECTED, Award.FAILED)


def awards_registrations_refresh(*, learner_ids: Sequence[int]) -> int:
    """Give the learners' open awards their current PE numbers: a blocked award with a matching
    registration becomes due by itself; a rejected one keeps its status until it is resent."""
    changed = 0
    for chunk in batched(learner_ids, 1000):
        awards = list(Award.objects.filter(learner_id__in=chunk, status__in=OPEN_STATUSES).order_by("id"))
        if not awards:
            continue
        changed += _registrations_apply(awards, registrations_of(chunk))
    return changed


def _registrations_apply(awards: list[Award], registrations: dict[int, list[tuple[int, str]]]) -> int:
    updated, created, entries = [], [], []
    for award in awards:
        before = (award.org_id, award.person_number, award.status)
        if award.org_id == 0:  # blocked, and its configuration names no OrgID: every registration earns one
            first, *others = awards_for(_due_of(award), registrations.get(award.learner_id, []))
            if first["person_number"]:
                award.org_id, award.person_number, award.status = first["org_id"], first["person_number"], first["status"]
                created.extend(Award(**row) for row in others)
        else:
            number = next((n for org, n in registrations.get(award.learner_id, []) if org == award.org_id), "")
            award.person_number = number
            if award.status == Award.NO_DATE:
                pass  # stays until a refresh brings the completion date
            elif not number:
                award.status = Award.BLOCKED
            elif award.status == Award.BLOCKED:
                award.status = Award.DUE
        if (award.org_id, award.person_number, award.status) != before:
            award.message = "" if award.person_number else award.message
            updated.append(award)
            entries.append({"action": "award.registration_update", "system": SYSTEM, "learner_id": award.learner_id,
                            "course_id": award.course_id, "object_type": Award._meta.label_lower,
                            "object_id": str(award.pk), "object_repr": _repr(award),
                            "changes": diff({"registration": f"{before[0]}/{before[1]}", "status": before[2]},
                                            {"registration": award.registration, "status": award.status})})
    Award.objects.bulk_update(updated, ["org_id", "person_number", "status", "message"], batch_size=500)
    Award.objects.bulk_create(created, ignore_conflicts=True)
    audit_record_many(entries)
    return len(updated)


def _due_of(award: Award) -> Due:
    return Due(learner_id=award.learner_id, org_id=None, trigger=award.trigger, course_id=award.course_id,
               activity_id=award.activity_id, event_id=award.event_id, pe_type=award.pe_type,
               pe_course_id=award.pe_course_id, pe_module_id=award.pe_module_id, pe_edition_id=award.pe_edition_id,
               pe_meeting_id=award.pe_meeting_id, end_date=award.end_date)


# --- submission -------------------------------------------------------------------------------------------
def awards_submit_start(*, user=None) -> Job:
    return job_launch(kind="pe_awards_submit", title=gettext_lazy("Submit due awards to PE-online"), params={},
                      user=user,
                      total=awards_claimable().count(), requires=SYSTEM)


@job_handler("pe_awards_submit", integration=SYSTEM, result_template="accreditation/_submit_outcome.html")
def awards_submit_job(job: Job, progress: JobProgress) -> dict:
    return awards_submit(progress=progress)


def awards_claimable(now=None) -> QuerySet[Award]:
    """Due awards, and failed ones whose retry is due, under their template's current award basis."""
    now = now or timezone.now()
    return (Award.objects.filter(Q(status=Award.DUE) | Q(status=Award.FAILED, next_attempt_at__lte=now))
            .filter(selectors.on_basis()))


def awards_submit(*, client: PEOnlineClient | None = None, batch_size: int = 100, progress=None) -> dict:
    """Send every claimable award, a batch of at most 100 per OrgID per call; returns counts per outcome."""
    client = client or pe_online_client()
    # The claim never takes them; withdrawing shows them as such, a bounded part per run.
    awards_withdraw_off_basis(batches=OFF_BASIS_BATCHES_PER_SUBMISSION)
    counts = Counter(awards_recover_interrupted())
    while claimed := _claim(limit=batch_size):
        for org_id, group in groupby(claimed, key=lambda a: a.org_id):
            group = list(group)
            counts.update(_send(client, org_id, group))
            if progress is not None:
                progress.advance(len(group))
    if counts[Award.REJECTED]:
        # One mail per run for everyone who asked, however many awards and batches: after the outcomes commit.
        transaction.on_commit(partial(
            permission_holders_notify, permission="accreditation.view_award", kind="awards.rejected",
            template="accreditation/email/awards_rejected",
            context={"count": counts[Award.REJECTED], "url": url_with("award_list", status=Award.REJECTED)}),
            robust=True)
    return dict(counts)


def _claim(*, limit: int) -> list[Award]:
    """Claim up to ``limit`` awards and mark them sending; committed before anything is sent."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(awards_claimable(now).select_for_update(skip_locked=True).order_by("org_id", "id")
                   .values_list("pk", flat=True)[:limit])
        Award.objects.filter(pk__in=ids).update(status=Award.SENDING, sending_since=now, attempts=F("attempts") + 1)
    return list(Award.objects.filter(pk__in=ids).order_by("org_id", "id"))


def _attendance(award: Award) -> Attendance:
    return Attendance(course_id=award.pe_course_id, person_id=award.person_number, module_id=award.pe_module_id,
                      edition_id=award.pe_edition_id, meeting_id=award.pe_meeting_id,
                      end_date=timezone.localtime(award.end_date) if award.end_date else None)


def _send(client: PEOnlineClient, org_id: int, awards: list[Award]) -> Counter:
    attendances = [_attendance(a) for a in awards]
    now = timezone.now()
    for award, attendance in zip(awards, attendances, strict=True):
        award.sent_xml, award.sent_at, award.sending_since, award.next_attempt_at = attendance.xml(), now, None, None
    try:
        summary = client.process_xml(org_id=org_id, attendances=attendances)
    except PEOnlineError as exc:
        if exc.status == pe.INVALID_XML and len(awards) > 1:
            _send_each(client, org_id, awards, attendances, now)
        else:
            for award in awards:
                _failed(award, exc, now)
    else:
        _outcomes(awards, summary)
    with transaction.atomic():
        _record(awards)
        statuses = {code: str(label) for code, label in Award.STATUS_CHOICES}
        audit_record_many([_submit_audit(a, statuses) for a in awards])
    return Counter(a.status for a in awards)


def _send_each(client: PEOnlineClient, org_id: int, awards: list[Award], attendances: list[Attendance], now) -> None:
    """PE-online found the batch invalid XML (505) and processed none of it: send each line once on its
    own, so one bad line cannot keep the others from PE-online."""
    for position, (award, attendance) in enumerate(zip(awards, attendances, strict=True)):
        # The calls may outlast PE_ONLINE_SENDING_TIMEOUT_SECONDS: keep the lines not yet sent from recovery.
        Award.objects.filter(pk__in=[a.pk for a in awards[position:]], status=Award.SENDING).update(
            sending_since=timezone.now())
        try:
            summary = client.process_xml(org_id=org_id, attendances=[attendance])
        except PEOnlineError as exc:
            _failed(award, exc, now)
        else:
            _outcomes([award], summary)


STATUS_OF_OUTCOME = {pe.ACCEPTED: Award.ACCEPTED, pe.REJECTED: Award.REJECTED, pe.UNKNOWN: Award.UNKNOWN}


def _outcomes(awards: list[Award], summary: pe.Summary) -> None:
    for award, outcome in zip(awards, summary.lines, strict=True):
        award.status, award.message, award.answer = STATUS_OF_OUTCOME[outcome.status], outcome.message, outcome.answer


RECORDED = ("status", "message", "answer", "sent_xml", "sent_at", "next_attempt_at")


def _record(awards: list[Award]) -> None:
    """Write each award's outcome: one prepared UPDATE run for the batch. Django's bulk_update builds a
    CASE per field and row, which cost ten times more than sending the awards."""
    table = connection.ops.quote_name(Award._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in RECORDED)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns}, sending_since = NULL WHERE id = %s",
                           [[getattr(a, name) for name in RECORDED] + [a.pk] for a in awards])


def _failed(award: Award, exc: PEOnlineError, now) -> None:
    award.message, award.answer = exc.message, exc.answer
    if exc.may_have_arrived and award.pe_type not in TYPES_WITH_END_DATE:
        award.status = Award.UNKNOWN  # PE-online may have written it, and would write it twice
        return
    award.status = Award.FAILED
    if exc.retryable and award.attempts < MAX_AUTOMATIC_ATTEMPTS:
        award.next_attempt_at = now + RETRY_BASE * 2 ** (award.attempts - 1)


def _submit_audit(award: Award, statuses: dict[str, str]) -> dict:
    failed = award.status != Award.ACCEPTED
    return {"action": "award.submit", "system": SYSTEM, "learner_id": award.learner_id, "course_id": award.course_id,
            "object_type": Award._meta.label_lower, "object_id": str(award.pk), "object_repr": _repr(award),
            "outcome": "failure" if failed else "success", "summary": statuses[award.status],
            "error": award.message if failed else ""}


def _repr(award: Award) -> str:
    """The audit event's object name, without a query for the learner."""
    return f"PE {award.pe_course_id} · {award.registration}"[:255]


def awards_recover_interrupted(*, older_than: timedelta | None = None) -> dict:
    """Awards left *sending* by a worker that died between send and record: claimed longer ago than
    ``older_than`` (``PE_ONLINE_SENDING_TIMEOUT_SECONDS``), when a live worker would have recorded an answer."""
    if older_than is None:
        older_than = timedelta(seconds=settings.PE_ONLINE_SENDING_TIMEOUT_SECONDS)
    stale = list(Award.objects.filter(status=Award.SENDING, sending_since__lt=timezone.now() - older_than)
                 .values_list("pk", "pe_type", "learner_id", "course_id")[:10000])
    counts = Counter()
    for pk, pe_type, learner_id, course_id in stale:
        safe = pe_type in TYPES_WITH_END_DATE
        status = Award.DUE if safe else Award.UNKNOWN
        message = "" if safe else RECOVERED_UNKNOWN
        with transaction.atomic():
            if Award.objects.filter(pk=pk, status=Award.SENDING).update(status=status, sending_since=None,
                                                                       message=message):
                counts[f"recovered_{status}"] += 1
                audit_record_many([{"action": "award.recover", "system": SYSTEM, "learner_id": learner_id,
                                    "course_id": course_id, "object_type": Award._meta.label_lower,
                                    "object_id": str(pk), "summary": f"sending -> {status}"}])
    return counts


# --- resending, only ever on purpose -------------------------------------------------------------------------
def award_resend(*, award: Award) -> Award:
    if award.status not in RESENDABLE:
        raise ValueError(_("Only rejected, failed or unknown awards can be resent."))
    awards_resend(awards=Award.objects.filter(pk=award.pk))
    award.refresh_from_db()
    return award


def awards_resend(*, awards: QuerySet[Award]) -> int:
    """Make up to 1,000 rejected, failed or unknown awards due again (audited, one event each)."""
    ids = list(awards.filter(status__in=RESENDABLE).exclude(person_number="").order_by("id")
               .values_list("pk", flat=True)[:RESEND_LIMIT])
    with transaction.atomic():
        rows = list(Award.objects.select_for_update().filter(pk__in=ids, status__in=RESENDABLE)
                    .values_list("pk", "status", "learner_id", "course_id"))
        Award.objects.filter(pk__in=[r[0] for r in rows]).update(status=Award.DUE, attempts=0, next_attempt_at=None)
        audit_record_many([{"action": "award.resend", "system": SYSTEM, "learner_id": learner_id,
                            "course_id": course_id, "object_type": Award._meta.label_lower, "object_id": str(pk),
                            "changes": diff({"status": status}, {"status": Award.DUE})}
                           for pk, status, learner_id, course_id in rows])
    return len(rows)


# --- accepted under earlier PE IDs: resent under the new ones only on purpose -----------------------------------
RESENT_NOTE = gettext_noop("Resent under the new PE IDs as award %(pk)s.")


def award_resend_under_new_ids(*, award: Award) -> int:
    if award.status != Award.SUPERSEDED:
        raise ValueError(_("Only awards accepted under earlier PE IDs can be resent under the new ones."))
    return awards_resend_under_new_ids(awards=Award.objects.filter(pk=award.pk))


def awards_resend_under_new_ids(*, awards: QuerySet[Award]) -> int:
    """For up to 1,000 awards accepted under earlier PE IDs, make the award the current configuration gives
    the same result and registration (due; blocked without a number or date); one audit event each.
    Returns how many were made: none where the current configuration awards nothing for that result."""
    superseded = list(awards.filter(status=Award.SUPERSEDED).order_by("id")[:RESEND_LIMIT])
    configuration = Configuration()
    configuration.load({a.activity_id for a in superseded}, {a.course_id for a in superseded})
    registrations = registrations_of({a.learner_id for a in superseded})
    made, entries = 0, []
    with transaction.atomic():
        for award in superseded:
            part = ResultPart(learner_id=award.learner_id, course_id=award.course_id, activity_id=award.activity_id,
                              completed=True, passed=True, score=None, completed_at=award.end_date)
            mine = [(org, number) for org, number in registrations.get(award.learner_id, []) if org == award.org_id]
            rows = [row for due in configuration.dues(part)
                    if due.event_id == award.event_id and due.org_id in (None, award.org_id)
                    for row in awards_for(due, mine)]
            new = [_made(row) for row in rows]
            new = [pk for pk in new if pk is not None]
            if not new:
                continue
            made += len(new)
            note = RESENT_NOTE % {"pk": ", ".join(map(str, new))}
            Award.objects.filter(pk=award.pk).update(message=f"{award.message}\n{note}".strip())
            entries.append({"action": "award.resend_new_ids", "system": SYSTEM, "learner_id": award.learner_id,
                            "course_id": award.course_id, "object_type": Award._meta.label_lower,
                            "object_id": str(award.pk), "object_repr": _repr(award), "summary": note})
        audit_record_many(entries)
    return made


def _made(row: dict) -> int | None:
    """Insert one award; None when an award under these PE IDs exists already (resent before)."""
    try:
        with transaction.atomic():
            return Award.objects.create(**row).pk
    except IntegrityError:
        return None
