"""Reads for the accreditation pages."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.fields.json import KT
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accreditation.models import (
    Award, AwardBasis, CertificateAccreditation, CourseAccreditation, EventAccreditation, TemplateAccreditation)
from accreditation.rules import Configuration
from portal.integrations import ResultPart
from portal.models import Activity, Course, Event, Learner, Template
from portal.spreadsheet import choice_labels, csv_export_lines

CHART_WEEKS = 12
# The chart counts every award of its weeks (tens of thousands at a national provider); a list paged
# through many times a minute shows the same counts, so they are counted at most once a minute.
CHART_CACHE_SECONDS = 60
# The learner page shows the newest awards of each register, and of at most this many registers (a learner
# has one or two): the rest is one click away on the awards list.
LEARNER_PANEL_PER_REGISTER = 10
LEARNER_PANEL_REGISTERS = 10


def awards_list() -> QuerySet[Award]:
    return Award.objects.select_related("learner", "course", "course__template", "activity")


def on_basis() -> Q:
    """The award's template awards on its trigger now. An award made under a basis no longer chosen (seed 000:
    one way per template), or whose template has no PE configuration any more, is never sent: its learner
    would get the points twice. Per basis, the activity among those of the templates awarding on it: one
    list per query, not a lookup per award, and nothing joined to the awards (nor locked with them)."""
    return reduce(or_, (
        Q(trigger=basis, activity__in=Activity.objects.filter(template__accreditation__basis=basis))
        for basis in AwardBasis.values))


def awards_off_basis() -> QuerySet[Award]:
    """Awards not yet accepted whose trigger is not their template's award basis (see ``on_basis``)."""
    return Award.objects.filter(status__in=NOT_ACCEPTED).exclude(on_basis())


def award_status_counts(awards: QuerySet[Award]) -> dict[str, int]:
    counts = dict(awards.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status, _label in Award.STATUS_CHOICES}


def awards_per_week(*, weeks: int = CHART_WEEKS) -> list[dict]:
    """Awards created per week by status, for the last ``weeks`` weeks (oldest first)."""
    now = timezone.localtime()
    start = (now - timedelta(days=now.weekday(), weeks=weeks - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = cache.get_or_set(f"awards-per-week:{start.isoformat()}", lambda: _awards_per_week_count(start),
                            CHART_CACHE_SECONDS)
    by_week: dict = {}
    for week, status, n in rows:
        by_week.setdefault(timezone.localtime(week).date(), {})[status] = n
    return [{"week": (start + timedelta(weeks=i)).date(), "counts": by_week.get((start + timedelta(weeks=i)).date(), {})}
            for i in range(weeks)]


def _awards_per_week_count(start) -> list[tuple]:
    return list(Award.objects.filter(created_at__gte=start).annotate(week=TruncWeek("created_at")).order_by()
                .values_list("week", "status").annotate(n=Count("id")))


# The award's learner, registration, PE IDs, trigger (basis), status, when it was sent and PE-online's message.
AWARD_EXPORT_HEADERS = [
    _("Award ID"), _("Created"), _("Learner's external ID"), _("Learner"), _("OrgID"), _("PE number"), _("Basis"),
    _("Course"), _("PE-online course type"), _("PE Course ID"), _("PE Module ID"), _("PE Edition ID"),
    _("PE Meeting ID"), _("End date"), _("Status"), _("Sent"), _("Message"),
]


def awards_export_lines(*, awards: QuerySet[Award], separator: str = ",") -> Iterator[str]:
    """The awards as CSV lines (the audit export's format: labels rather than codes, looked up once), read in
    chunks and without the XML sent and the raw answer: it streams."""
    awards = awards.select_related("learner", "course").defer("sent_xml", "answer")
    triggers, statuses = choice_labels(Award.TRIGGER_CHOICES), choice_labels(Award.STATUS_CHOICES)

    def row(award: Award) -> list:
        return [award.pk, award.created_at, award.learner.external_id, award.learner.full_name, award.org_id,
                award.person_number, triggers.get(award.trigger, award.trigger), award.course.name, award.pe_type,
                award.pe_course_id, award.pe_module_id, award.pe_edition_id, award.pe_meeting_id, award.end_date,
                statuses.get(award.status, award.status), award.sent_at, award.message]

    return csv_export_lines(header=AWARD_EXPORT_HEADERS, separator=separator,
                            rows=(row(award) for award in awards.iterator(chunk_size=2000)))


def learner_awards_by_register(*, learner: Learner, per_register: int = LEARNER_PANEL_PER_REGISTER) -> list[dict]:
    """The learner's registers (OrgID; 0: none yet) with their count per status and their newest awards.

    Two queries whatever the number of awards: the counts grouped by register and status, and the newest
    ``per_register`` of each register ranked in the database."""
    registers: dict[int, dict] = {}
    counts = learner.pe_awards.order_by("org_id").values_list("org_id", "status").annotate(n=Count("id"))
    for org_id, status, n in counts:
        register = registers.setdefault(org_id, {"org_id": org_id, "counts": {}, "total": 0, "awards": []})
        register["counts"][status] = n
        register["total"] += n
    shown = dict(list(registers.items())[:LEARNER_PANEL_REGISTERS])
    newest = (learner.pe_awards.filter(org_id__in=shown).select_related("course").defer("sent_xml", "answer")
              .annotate(rank=Window(RowNumber(), partition_by=F("org_id"),
                                    order_by=[F("created_at").desc(), F("id").desc()]))
              .filter(rank__lte=per_register).order_by("org_id", "rank"))
    for award in newest:
        shown[award.org_id]["awards"].append(award)
    labels = dict(Award.STATUS_CHOICES)
    for register in shown.values():
        register["counts"] = [(status, labels[status], register["counts"][status])
                              for status, _label in Award.STATUS_CHOICES if status in register["counts"]]
    return list(shown.values())


# The template page's counts per basis: the statuses a coordinator acts on, and the rest together.
BASIS_COLUMNS = {"due": [Award.DUE], "accepted": [Award.ACCEPTED], "rejected": [Award.REJECTED],
                 "blocked": [Award.BLOCKED, Award.NO_DATE]}


@dataclass(frozen=True)
class TemplateAwards:
    per_basis: list[dict]  # per award basis (trigger): due, accepted, rejected, blocked, other and total
    superseded: int  # accepted under earlier PE IDs, to settle in PE-online
    settling: int  # sending or unknown: a configuration change waits until they are settled


def template_awards(*, template: Template) -> TemplateAwards:
    """The template page's award counts, from one grouped count over the template's courses."""
    counts = dict(((trigger, status), n) for trigger, status, n in
                  Award.objects.filter(course__template=template).order_by()
                  .values_list("trigger", "status").annotate(n=Count("id")))
    per_status = Counter()
    for (_trigger, status), n in counts.items():
        per_status[status] += n
    return TemplateAwards(per_basis=_per_basis(counts), superseded=per_status[Award.SUPERSEDED],
                          settling=sum(per_status[status] for status in SETTLING))


def _per_basis(counts: dict[tuple[str, str], int]) -> list[dict]:
    rows = []
    for trigger, label in Award.TRIGGER_CHOICES:
        row = {"trigger": trigger, "label": label,
               "total": sum(n for (t, _status), n in counts.items() if t == trigger)}
        row.update({column: sum(counts.get((trigger, status), 0) for status in statuses)
                    for column, statuses in BASIS_COLUMNS.items()})
        row["other"] = row["total"] - sum(row[column] for column in BASIS_COLUMNS)
        rows.append(row)
    return rows


# --- events -------------------------------------------------------------------------------------------
def event_activities(course: Course) -> QuerySet[Activity]:
    """The activities an event of ``course`` may belong to: its template's event activities."""
    return Activity.objects.filter(template_id=course.template_id, type="Event").order_by("part_id", "name")


def course_events(course: Course) -> QuerySet[Event]:
    return course.events.select_related("activity", "accreditation").order_by("date", "name", "pk")


def events_over_meeting_cap(*, template: Template) -> QuerySet[Event]:
    """The template's events whose configuration lists more PE Meeting IDs than the cap (stored before it):
    they make no awards until corrected. Found in the database: the array has an element past the cap."""
    beyond = (EventAccreditation.objects.filter(event__course__template=template)
              .alias(beyond=KT(f"pe_meeting_ids__{settings.PE_ONLINE_MAX_MEETING_IDS}"))
              .filter(beyond__isnull=False))
    return Event.objects.filter(accreditation__in=beyond).select_related("course").order_by("date", "name", "pk")


# --- what a configuration change does to the awards ---------------------------------------------------------
# Awards are counted per group of equal PE IDs: as many groups as the configuration has IDs, whatever the
# number of learners, so the preview costs a few grouped queries.
GROUP_FIELDS = ("trigger", "course_id", "activity_id", "event_id", "org_id", "pe_type", "pe_course_id",
                "pe_module_id", "pe_edition_id", "pe_meeting_id")
ID_FIELDS = ("trigger", "event_id", "pe_type", "pe_course_id", "pe_module_id", "pe_edition_id", "pe_meeting_id")
NOT_ACCEPTED = (Award.BLOCKED, Award.NO_DATE, Award.DUE, Award.REJECTED, Award.FAILED)
SETTLING = (Award.SENDING, Award.UNKNOWN)


@dataclass(frozen=True)
class ConfigurationChange:
    withdraw: int  # not yet accepted, under PE IDs that no longer apply
    supersede: int  # accepted under PE IDs that no longer apply
    make: int  # new awards for the results whose awards are withdrawn (made by the background job)
    settling: int  # sending or unknown awards of the template: the change waits until they are settled
    retired: tuple = ()  # (status, group fields) of the groups that no longer apply

    @property
    def changes_awards(self) -> bool:
        return bool(self.withdraw or self.supersede or self.make)


def configuration_template(config) -> Template:
    if isinstance(config, TemplateAccreditation):
        return config.template
    if isinstance(config, CourseAccreditation):
        return config.course.template
    if isinstance(config, CertificateAccreditation):
        return config.activity.template
    return config.event.course.template


def configuration_awards(config) -> QuerySet[Award]:
    """The awards a change of this configuration may concern."""
    if isinstance(config, TemplateAccreditation):
        return Award.objects.filter(activity__template_id=config.template_id)
    if isinstance(config, CourseAccreditation):
        return Award.objects.filter(course_id=config.course_id)
    if isinstance(config, CertificateAccreditation):
        return Award.objects.filter(activity_id=config.activity_id)
    return Award.objects.filter(course_id=config.event.course_id, activity_id=config.event.activity_id)


def awards_settling(*, template: Template) -> int:
    return Award.objects.filter(activity__template_id=template.pk, status__in=SETTLING).count()


def configuration_change(config) -> ConfigurationChange:
    """What saving ``config`` (changed in memory, not saved) does to the existing awards. Only awards of the
    stored award basis: awards already off it are not this change's (``awards_off_basis``: withdrawn before
    anything is sent; accepted ones stay accepted, as no new IDs replace them)."""
    template = configuration_template(config)
    basis = TemplateAccreditation.objects.filter(template_id=template.pk).values_list("basis", flat=True).first()
    groups = list(configuration_awards(config).filter(trigger=basis, status__in=NOT_ACCEPTED + (Award.ACCEPTED,))
                  .order_by()
                  .values_list("status", *GROUP_FIELDS).annotate(n=Count("id")))
    rows = [(status, dict(zip(GROUP_FIELDS, fields, strict=True)), n) for status, *fields, n in groups]
    configuration = Configuration(override=config, covering=True)
    configuration.load({row["activity_id"] for _s, row, _n in rows}, {row["course_id"] for _s, row, _n in rows})
    expected: dict[tuple, list] = {}
    for _status, row, _n in rows:
        source = (row["course_id"], row["activity_id"])
        if source not in expected:
            # A result that earns everything the configuration awards on this activity: its dues are the IDs.
            part = ResultPart(learner_id=0, course_id=source[0], activity_id=source[1], completed=True, passed=True,
                              score=None, completed_at=None)
            expected[source] = list(configuration.dues(part))

    def applies(row: dict) -> bool:
        ids = tuple(row[name] for name in ID_FIELDS)
        return any(tuple(getattr(due, name) for name in ID_FIELDS) == ids
                   and due.org_id in (None, row["org_id"]) for due in expected[(row["course_id"], row["activity_id"])])

    kept = {(row["course_id"], row["activity_id"], tuple(row[name] for name in ID_FIELDS))
            for _s, row, _n in rows if applies(row)}
    retired, withdraw, supersede, make = [], 0, 0, 0
    for status, row, n in rows:
        if applies(row):
            continue
        retired.append((status, row))
        if status == Award.ACCEPTED:
            supersede += n
            continue
        withdraw += n
        source = (row["course_id"], row["activity_id"])
        fresh = {tuple(getattr(due, name) for name in ID_FIELDS) for due in expected[source]
                 if due.org_id in (None, row["org_id"]) or row["org_id"] == 0}
        make += n * len({ids for ids in fresh if (*source, ids) not in kept})
    return ConfigurationChange(withdraw=withdraw, supersede=supersede, make=make,
                               settling=awards_settling(template=template),
                               retired=tuple(retired))
