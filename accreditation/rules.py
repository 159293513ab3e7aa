"""The three award rules (seed 000), from results however they arrive; only the template's award basis
applies, so one result never earns the same points twice.

- The template's course completing activity completed -> an award with the template's PE IDs
  (types 2, 3) or the course's (type 4), the completion date as endDate for types 2 and 3 (without
  it: *blocked: no completion date*, due once a refresh brings the date).
- A certificate activity received -> an award with the certificate's own PE IDs.
- An event activity positively assessed (aNewSpring's passed; completed when set to attendance)
  -> an award per PE Meeting ID (type 1). An event set to no assessment sends nothing.

Each award goes to every PE registration of the learner whose OrgID matches the configuration's
(all of them when it names none); a learner without one gets an award *blocked: no PE number*.
The unique constraint on awards makes re-running the rules harmless; an award accepted under earlier
PE IDs holds back new ones of its learner, OrgID, course and event (a coordinator resends on purpose).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import batched

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from accreditation.models import (
    PE_TYPE, TYPES_WITH_END_DATE, AccreditationType, Assessment, Award, AwardBasis, CertificateAccreditation,
    CourseAccreditation, EventAccreditation, TemplateAccreditation)
from portal.audit import audit_record_many
from portal.db import bulk_insert, gc_paused
from portal.integrations import ResultPart
from portal.models import Activity, PERegistration

CHUNK = 20_000  # result parts per round of queries: bounded memory, few round trips
KEY_FIELDS = ("learner_id", "org_id", "trigger", "course_id", "activity_id", "pe_course_id", "pe_module_id",
              "pe_edition_id", "pe_meeting_id")


@dataclass(frozen=True)
class Due:
    """What one result earns, before it is matched to the learner's registrations."""

    learner_id: int
    org_id: int | None  # the configuration's OrgID; None: every registration
    trigger: str
    course_id: int
    activity_id: int
    event_id: int | None
    pe_type: int
    pe_course_id: str
    pe_module_id: str = ""
    pe_edition_id: str = ""
    pe_meeting_id: str = ""
    end_date: datetime | None = None


class Configuration:
    """The PE configuration of the activities met so far, loaded once per activity. Only the template's
    award basis makes awards (seed 000: one of three ways). ``override`` stands in for its stored
    counterpart: the configuration as it would be after a change (the change's preview).

    An event listing more meeting IDs than ``PE_ONLINE_MAX_MEETING_IDS`` (stored before the cap) makes no
    awards until its configuration is corrected; ``covering`` (a change's question: which existing awards
    does the configuration still cover) keeps it, so its earlier awards are not withdrawn meanwhile."""

    def __init__(self, override=None, *, covering: bool = False):
        self.override = override
        self.covering = covering
        self.known: set[int] = set()
        self.template_of: dict[int, int] = {}
        self.by_template: dict[int, TemplateAccreditation] = {}
        self.certificates: dict[int, CertificateAccreditation] = {}
        self.events: dict[tuple[int, int], list[EventAccreditation]] = defaultdict(list)
        self.courses: dict[int, CourseAccreditation | None] = {}

    def load(self, activity_ids: set[int], course_ids: set[int]) -> None:
        new = activity_ids - self.known
        if new:
            self.known |= new
            self.template_of.update(Activity.objects.filter(pk__in=new).values_list("pk", "template_id"))
            templates = set(self.template_of.values()) - set(self.by_template)
            for config in self._swap(TemplateAccreditation.objects.filter(template_id__in=templates), "template_id"):
                self.by_template[config.template_id] = config
            for config in self._swap(CertificateAccreditation.objects.filter(activity_id__in=new), "activity_id"):
                self.certificates[config.activity_id] = config
            for config in self._swap(EventAccreditation.objects.filter(event__activity_id__in=new)
                                     .select_related("event"), "event_id"):
                if (config.assessment != Assessment.NONE and config.event.activity_id in new
                        and (self.covering or not over_meeting_cap(config))):
                    self.events[(config.event.course_id, config.event.activity_id)].append(config)
        missing = course_ids - set(self.courses)
        if missing:
            found = {c.course_id: c for c in self._swap(CourseAccreditation.objects.filter(course_id__in=missing),
                                                        "course_id")}
            self.courses.update({course_id: found.get(course_id) for course_id in missing})

    def _swap(self, queryset, owner: str) -> list:
        """The stored rows, the override in place of its stored self (or added: a first configuration)."""
        override = self.override
        if not isinstance(override, queryset.model):
            return list(queryset)
        return [c for c in queryset if getattr(c, owner) != getattr(override, owner)] + [override]

    def dues(self, part: ResultPart) -> Iterable[Due]:
        template = self.by_template.get(self.template_of.get(part.activity_id))
        if template is None:
            return
        base = {"learner_id": part.learner_id, "course_id": part.course_id, "activity_id": part.activity_id}
        if template.basis == AwardBasis.COMPLETION:
            if part.activity_id == template.completing_activity_id and part.completed:
                yield from self._completion(part, template, base)
        elif template.basis == AwardBasis.CERTIFICATE:
            certificate = self.certificates.get(part.activity_id)
            if certificate is not None and part.completed and template.pe_type in TYPES_WITH_END_DATE:
                yield Due(**base, org_id=certificate.org_id, trigger=Award.CERTIFICATE, event_id=None,
                          pe_type=template.pe_type, pe_course_id=certificate.pe_course_id,
                          pe_module_id=certificate.pe_module_id, end_date=part.completed_at)
        elif template.type == AccreditationType.EVENTS_PER_EVENT:
            for event in self.events.get((part.course_id, part.activity_id), ()):
                if _assessed_positively(event, part):
                    for meeting in event.pe_meeting_ids:
                        yield Due(**base, org_id=event.org_id, trigger=Award.EVENT, event_id=event.event_id,
                                  pe_type=PE_TYPE[AccreditationType.EVENTS_PER_EVENT], pe_course_id=event.pe_course_id,
                                  pe_edition_id=event.pe_edition_id, pe_meeting_id=str(meeting))

    def _completion(self, part: ResultPart, template: TemplateAccreditation, base: dict) -> Iterable[Due]:
        pe_type = template.pe_type
        if pe_type in TYPES_WITH_END_DATE:
            yield Due(**base, org_id=template.org_id, trigger=Award.COMPLETION, event_id=None, pe_type=pe_type,
                      pe_course_id=template.pe_course_id, pe_module_id=template.pe_module_id,
                      end_date=part.completed_at)
        elif template.type == AccreditationType.EVENTS_TOTAL:
            course = self.courses.get(part.course_id)
            if course is not None:  # the course carries this type's Course + Edition ID
                yield Due(**base, org_id=course.org_id if course.org_id is not None else template.org_id,
                          trigger=Award.COMPLETION, event_id=None, pe_type=pe_type,
                          pe_course_id=course.pe_course_id or template.pe_course_id,
                          pe_edition_id=course.pe_edition_id)


def over_meeting_cap(event: EventAccreditation) -> bool:
    return len(event.pe_meeting_ids) > settings.PE_ONLINE_MAX_MEETING_IDS


def _assessed_positively(event: EventAccreditation, part: ResultPart) -> bool:
    """Attendance: the event activity is completed. Score with threshold: aNewSpring's ``passed``, as the
    threshold lives in aNewSpring (seed 000); the portal's threshold only judges a score without a verdict."""
    if event.assessment == Assessment.ATTENDANCE:
        return part.completed
    if part.passed is not None:
        return part.passed
    return part.score is not None and event.threshold is not None and part.score >= event.threshold


def registrations_of(learner_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Each learner's PE registrations as (OrgID, number), in a stable order."""
    found = defaultdict(list)
    for learner_id, org_id, number in (PERegistration.objects.filter(learner_id__in=list(learner_ids))
                                       .order_by("learner_id", "org_id", "id")
                                       .values_list("learner_id", "org_id", "number")):
        found[learner_id].append((org_id, number))
    return found


AWARD_FIELDS = ("learner_id", "trigger", "course_id", "activity_id", "event_id", "pe_type", "pe_course_id",
                "pe_module_id", "pe_edition_id", "pe_meeting_id")
# An award's message is stored in English and shown translated (portal.texts.stored_shown).
NO_REGISTRATION = gettext_noop("No PE registration for this OrgID in the learner's Custom1.")


NO_COMPLETION_DATE = gettext_noop("aNewSpring gave no completion date; PE-online needs it as endDate. A refresh "
                                  "that brings it makes the award due.")


def awards_for(due: Due, registrations: list[tuple[int, str]]) -> list[dict]:
    """The awards (as rows: field -> value) one Due earns: one per matching registration, or one blocked."""
    fields = {name: getattr(due, name) for name in AWARD_FIELDS}
    fields["end_date"] = due.end_date if due.pe_type in TYPES_WITH_END_DATE else None
    matching = [(org, number) for org, number in registrations if due.org_id is None or org == due.org_id]
    if not matching:
        rows = [{**fields, "org_id": due.org_id or 0, "person_number": "", "status": Award.BLOCKED,
                 "message": NO_REGISTRATION}]
    else:
        rows = [{**fields, "org_id": org, "person_number": number, "status": Award.DUE} for org, number in matching]
    if due.pe_type in TYPES_WITH_END_DATE and due.end_date is None:
        for row in rows:  # never sent without its endDate; the PE number, if any, is kept for later
            row["status"], row["message"] = Award.NO_DATE, NO_COMPLETION_DATE
    return rows


def _key(row: dict) -> tuple:
    return tuple(row[name] for name in KEY_FIELDS)


def _dated(awards, candidates: dict[tuple, dict]) -> None:
    """Awards *blocked: no completion date* whose result now has one become due (blocked without a number)."""
    waiting = awards.filter(status=Award.NO_DATE).values_list("pk", "person_number", *KEY_FIELDS)
    dated = [(pk, number, candidates[tuple(key)]["end_date"]) for pk, number, *key in waiting
             if tuple(key) in candidates and candidates[tuple(key)]["end_date"] is not None]
    if not dated:
        return
    for pk, number, end_date in dated:
        Award.objects.filter(pk=pk, status=Award.NO_DATE).update(
            end_date=end_date, status=Award.DUE if number else Award.BLOCKED,
            message="" if number else NO_REGISTRATION)
    audit_record_many([{"action": "award.dated", "system": "pe_online", "object_type": Award._meta.label_lower,
                        "object_id": str(pk), "summary": f"no_date -> {'due' if number else 'blocked'}"}
                       for pk, number, _end in dated])


def awards_from_results(*, parts: Iterable[ResultPart], configuration: Configuration | None = None) -> int:
    """Make the awards the results earn; returns how many were new. Bounded memory: chunks of 20,000."""
    configuration = configuration or Configuration()
    created = 0
    with gc_paused():
        for chunk in batched(parts, CHUNK):
            configuration.load({p.activity_id for p in chunk}, {p.course_id for p in chunk})
            dues = [due for part in chunk for due in configuration.dues(part)]
            if dues:
                created += _create(dues)
    return created


# A superseded award holds back new awards of its learner, OrgID, course and event (none: the course's
# completion or certificate), so a configuration change never sends the same points under new IDs by itself.
HOLD_FIELDS = ("learner_id", "org_id", "course_id", "event_id")


def _accepted_triggers(learner_ids: set[int], course_ids: set[int]) -> dict[tuple[int, int], set[tuple[int, str]]]:
    """(learner, course) -> the (OrgID, trigger) of its accepted awards."""
    found = defaultdict(set)
    for learner_id, course_id, org_id, trigger in (Award.objects.filter(
            learner_id__in=learner_ids, course_id__in=course_ids, status=Award.ACCEPTED)
            .values_list("learner_id", "course_id", "org_id", "trigger")):
        found[(learner_id, course_id)].add((org_id, trigger))
    return found


def _accepted_under_another_basis(row: dict, accepted: dict[tuple[int, int], set[tuple[int, str]]]) -> bool:
    """The learner has this course's points in the register already, accepted under a basis the template no
    longer uses (its basis was switched, or set by the data migration): a second basis never adds its points.
    A blocked row (OrgID 0) may become any register's, so any register's acceptance holds it back."""
    return any(trigger != row["trigger"] and row["org_id"] in (0, org_id)
               for org_id, trigger in accepted.get((row["learner_id"], row["course_id"]), ()))


def _create(dues: list[Due]) -> int:
    registrations = registrations_of({d.learner_id for d in dues})
    candidates: dict[tuple, dict] = {}
    for due in dues:
        for row in awards_for(due, registrations.get(due.learner_id, [])):
            candidates.setdefault(_key(row), row)
    learner_ids = {d.learner_id for d in dues}
    mine = Award.objects.filter(learner_id__in=learner_ids, activity_id__in={d.activity_id for d in dues})
    existing = set(mine.exclude(status__in=Award.RETIRED).values_list(*KEY_FIELDS))
    # Accepted under earlier PE IDs: the coordinator settles it in PE-online, or resends it on purpose.
    held = set(Award.objects.filter(learner_id__in=learner_ids, course_id__in={d.course_id for d in dues},
                                    status=Award.SUPERSEDED).values_list(*HOLD_FIELDS))
    _dated(mine, candidates)
    other_basis = _accepted_triggers(learner_ids, {d.course_id for d in dues})
    new = [row for key, row in candidates.items()
           if key not in existing and tuple(row[name] for name in HOLD_FIELDS) not in held
           and not _accepted_under_another_basis(row, other_basis)]
    try:
        with transaction.atomic():
            pks = bulk_insert(Award, new)
    except IntegrityError:
        # A concurrent run made some of them meanwhile: the constraint keeps one of each.
        Award.objects.bulk_create([Award(**row) for row in new], batch_size=2000, ignore_conflicts=True)
        pks = [""] * len(new)
    with translation.override("en"):  # the log keeps English, whoever's request made the awards; pages translate
        triggers = {code: str(label) for code, label in Award.TRIGGER_CHOICES}
        statuses = {code: str(label) for code, label in Award.STATUS_CHOICES}
        summary = gettext("PE-online award ({trigger}): {status}")
    audit_record_many([
        {"action": "award.create", "system": "pe_online", "learner_id": row["learner_id"],
         "course_id": row["course_id"], "object_type": Award._meta.label_lower, "object_id": str(pk),
         "object_repr": f"PE {row['pe_course_id']}"[:255],
         "summary": summary.format(trigger=triggers[row["trigger"]], status=statuses[row["status"]])}
        for pk, row in zip(pks, new, strict=True)
    ])
    return len(new)
