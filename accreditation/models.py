"""PE-online accreditation: where the PE IDs are configured (template, course, certificate activity,
event, as aNewSpring's PE-online link has them; seed 000) and the awards the rules make from results.

PE IDs are kept as text: a number is sent as PE-online's own ID (``PECourseID``), anything else as
the provider's external code (``externalCourseID``); see ``accreditation/client.py``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accreditation.validators import validate_pe_id, validate_pe_ids
from portal.models import Activity, AuditEvent, Course, Event, Learner, Template


class AccreditationType(models.TextChoices):
    """aNewSpring's names for the four PE-online course types (API-NOTES' table)."""

    EXPERTISE = "expertise", _("Expertise groups / ICO / ICT")
    ELEARNING = "elearning", _("E-learning on demand")
    EVENTS_TOTAL = "events_total", _("Course with physical events, accreditation of the total")
    EVENTS_PER_EVENT = "events_per_event", _("Course with physical events, accreditation per event")


# PE-online's course type number per accreditation type (webservice spec, "Attendance").
PE_TYPE = {
    AccreditationType.EXPERTISE: 3,
    AccreditationType.ELEARNING: 2,
    AccreditationType.EVENTS_TOTAL: 4,
    AccreditationType.EVENTS_PER_EVENT: 1,
}
# Types 2 and 3 carry an endDate and PE-online deduplicates them; 1 and 4 have no endDate.
TYPES_WITH_END_DATE = frozenset({2, 3})

class AwardBasis(models.TextChoices):
    """Seed 000's three ways to award points; a template uses exactly one."""

    COMPLETION = "completion", _("the course completing activity")
    CERTIFICATE = "certificate", _("received certificates")
    EVENT = "event", _("a positive assessment on an event")


# The accreditation types each basis serves (seed 000's table): accreditation of the total is awarded on
# completion of the course (type 4, the course's Edition ID); accreditation per event by the events (type 1).
BASIS_TYPES = {
    AwardBasis.COMPLETION: (AccreditationType.EXPERTISE, AccreditationType.ELEARNING, AccreditationType.EVENTS_TOTAL),
    AwardBasis.CERTIFICATE: (AccreditationType.EXPERTISE, AccreditationType.ELEARNING),
    AwardBasis.EVENT: (AccreditationType.EVENTS_PER_EVENT,),
}

PE_ID_HELP = _("PE-online's number, or your own code as registered in PE-online.")


def _pe_id(label):
    return models.CharField(label, max_length=50, blank=True, help_text=PE_ID_HELP, validators=[validate_pe_id])


class PEConfiguration(models.Model):
    """What every PE configuration has: a PE Course ID and, optionally, the register it is for."""

    pe_course_id = _pe_id(_("PE Course ID"))
    org_id = models.PositiveIntegerField(
        _("OrgID (register)"), null=True, blank=True,
        help_text=_("Only learners registered with this OrgID get an award; empty: every registration."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TemplateAccreditation(PEConfiguration):
    template = models.OneToOneField(Template, on_delete=models.CASCADE, related_name="accreditation")
    basis = models.CharField(_("award basis"), max_length=12, choices=AwardBasis.choices,
                             default=AwardBasis.COMPLETION,
                             help_text=_("Only this basis makes awards: choosing one avoids points twice."))
    type = models.CharField(_("accreditation type"), max_length=20, choices=AccreditationType.choices)
    completing_activity = models.ForeignKey(Activity, on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("course completing activity"))
    pe_module_id = _pe_id(_("PE Module ID"))

    class Meta:
        verbose_name = _("template accreditation")
        verbose_name_plural = _("template accreditations")

    def __str__(self) -> str:
        return f"{self.template}: {self.get_type_display()}"

    @property
    def pe_type(self) -> int:
        return PE_TYPE[self.type]


class CourseAccreditation(PEConfiguration):
    """A course's own PE IDs; for the physical-events types they override the template's."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="accreditation")
    pe_edition_id = _pe_id(_("PE Edition ID"))

    class Meta:
        verbose_name = _("course accreditation")
        verbose_name_plural = _("course accreditations")

    def __str__(self) -> str:
        return str(self.course)


class CertificateAccreditation(PEConfiguration):
    """PE data of one certificate activity; a template may hold one certificate per register."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="accreditation")
    pe_module_id = _pe_id(_("PE Module ID"))

    class Meta:
        verbose_name = _("certificate accreditation")
        verbose_name_plural = _("certificate accreditations")

    def __str__(self) -> str:
        return str(self.activity)


class Assessment(models.TextChoices):
    SCORE = "score", _("Score with a threshold")
    ATTENDANCE = "attendance", _("Attendance")
    NONE = "none", _("No assessment (nothing is sent to PE-online)")


class EventAccreditation(PEConfiguration):
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="accreditation")
    pe_edition_id = _pe_id(_("PE Edition ID"))
    # One award per meeting ID: an event may cover several PE-online meetings.
    pe_meeting_ids = models.JSONField(_("PE Meeting IDs"), default=list, validators=[validate_pe_ids])
    assessment = models.CharField(_("assessment"), max_length=10, choices=Assessment.choices, default=Assessment.NONE)
    threshold = models.DecimalField(_("threshold (%)"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("event accreditation")
        verbose_name_plural = _("event accreditations")

    def __str__(self) -> str:
        return str(self.event)

    def clean(self):
        meeting_ids_check(self.pe_meeting_ids)


def meeting_ids_check(meeting_ids: list) -> None:
    """At most ``PE_ONLINE_MAX_MEETING_IDS``: each ID is an award per learner registration."""
    limit = settings.PE_ONLINE_MAX_MEETING_IDS
    if len(meeting_ids) > limit:
        raise ValidationError(ngettext(
            "An event has at most %(limit)d PE Meeting ID; this one lists %(count)d.",
            "An event has at most %(limit)d PE Meeting IDs; this one lists %(count)d.", limit)
            % {"limit": limit, "count": len(meeting_ids)})


class Award(models.Model):
    """One attendance to report to PE-online: a learner's registration (OrgID + number), the result that
    triggered it and the PE IDs. Unique on (learner, OrgID, trigger, PE IDs), so however often the rules
    run, one award exists; the number is refreshed from the learner's Custom1 until it is accepted."""

    BLOCKED, DUE, SENDING, ACCEPTED, REJECTED, FAILED, UNKNOWN = (
        "blocked", "due", "sending", "accepted", "rejected", "failed", "unknown")
    NO_DATE, WITHDRAWN, SUPERSEDED = "no_date", "withdrawn", "superseded"
    STATUS_CHOICES = [
        (BLOCKED, _("blocked: no PE number")),
        (NO_DATE, _("blocked: no completion date")),
        (DUE, _("due")),
        (SENDING, _("sending")),
        (ACCEPTED, _("accepted")),
        (SUPERSEDED, _("accepted under earlier PE IDs")),
        (REJECTED, _("rejected")),
        (FAILED, _("failed")),
        (UNKNOWN, _("unknown: check in PE-online")),
        (WITHDRAWN, _("withdrawn")),
    ]
    # The trigger is the award basis that made the award (AwardBasis's values).
    COMPLETION, CERTIFICATE, EVENT = "completion", "certificate", "event"
    TRIGGER_CHOICES = [(COMPLETION, _("course completing activity")), (CERTIFICATE, _("certificate")),
                       (EVENT, _("event"))]
    # Off the books: never sent, and no longer holding the unique (learner, OrgID, trigger, PE IDs) slot.
    RETIRED = (WITHDRAWN, SUPERSEDED)

    # The unique constraint and the (learner, status) index both start with the learner: no index of its own.
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="pe_awards", db_index=False)
    # 0: the configuration names no OrgID and the learner has no registration yet (blocked).
    org_id = models.PositiveIntegerField(_("OrgID"))
    person_number = models.CharField(_("PE number"), max_length=20, blank=True)
    trigger = models.CharField(_("trigger"), max_length=12, choices=TRIGGER_CHOICES)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="pe_awards")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="pe_awards")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, null=True, blank=True, related_name="pe_awards")
    pe_type = models.PositiveSmallIntegerField(_("PE-online course type"))
    pe_course_id = models.CharField(_("PE Course ID"), max_length=50)
    pe_module_id = models.CharField(_("PE Module ID"), max_length=50, blank=True)
    pe_edition_id = models.CharField(_("PE Edition ID"), max_length=50, blank=True)
    pe_meeting_id = models.CharField(_("PE Meeting ID"), max_length=50, blank=True)
    end_date = models.DateTimeField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=DUE)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_xml = models.TextField(_("XML line sent"), blank=True)
    answer = models.TextField(_("PE-online's answer"), blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The configuration change that withdrew or superseded this award.
    configuration_event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+", db_index=False,
                                            verbose_name=_("configuration change"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("PE award")
        verbose_name_plural = _("PE awards")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "org_id", "trigger", "course", "activity", "pe_course_id", "pe_module_id",
                        "pe_edition_id", "pe_meeting_id"],
                condition=~models.Q(status__in=["withdrawn", "superseded"]),
                name="award_unique_per_registration_trigger_pe_ids"),
            models.CheckConstraint(condition=models.Q(pe_type__in=[1, 2, 3, 4]), name="award_pe_type_known"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["learner", "status"]),
                   # The awards list's register filter and PE Course ID sort.
                   models.Index(fields=["org_id"], name="award_org_id"),
                   models.Index(fields=["pe_course_id"], name="award_pe_course_id"),
                   # The list's order, alone and under its status filter, with the id that breaks ties: the
                   # page comes off the index instead of sorting every award created in one run of the rules.
                   models.Index(fields=["created_at", "id"], name="award_created_order"),
                   models.Index(fields=["status", "created_at", "id"], name="award_status_created_order")]
        permissions = [("submit_award", _("Can submit and resend PE-online awards"))]

    def __str__(self) -> str:
        return f"{self.learner} — PE {self.pe_course_id}"

    def get_absolute_url(self) -> str:
        return reverse("award_detail", args=[self.pk])

    @property
    def registration(self) -> str:
        return f"{self.org_id}/{self.person_number}" if self.person_number else "—"
