"""The shared domain: learners with their PE registrations, the aNewSpring catalogue
(templates, courses, activities, events), the audit log and background jobs."""

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Collate, Concat, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.actions import action_label
from portal.collation import COLLATION
from portal.db import EncodedJSON, bulk_insert
from portal.pe_numbers import KIND_BIG, KIND_REGISTER


# A learner without an external ID gets one the portal makes up: aNewSpring knows users by their
# external ID, and the login is no such ID (using it created duplicates in aNewSpring).
GENERATED_EXTERNAL_ID_PREFIX = "PORTAL-"


def external_id_generate() -> str:
    """A new external ID: random (64 bits), so it needs no database round trip and never repeats."""
    return GENERATED_EXTERNAL_ID_PREFIX + uuid.uuid4().hex[:16].upper()


# What the learner search looks for a term in, as one text: on PostgreSQL one trigram index serves
# a "contains" on it (migration 0009), where a condition per field read every learner. Terms hold no
# spaces, so none matches across two fields.
LEARNER_SEARCH_TEXT = Concat("first_name", Value(" "), "middle_name", Value(" "), "last_name", Value(" "), "email",
                             Value(" "), "login", output_field=models.TextField())


class Learner(models.Model):
    external_id = models.CharField(_("external ID"), max_length=100, unique=True, null=True, blank=True)
    external_id_generated = models.BooleanField(_("external ID made by the portal"), default=False)
    uid = models.CharField(_("aNewSpring UID"), max_length=64, unique=True, null=True, blank=True)
    login = models.CharField(_("login"), max_length=150, unique=True, null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=50, blank=True)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)  # searched with icontains: a b-tree index would not help
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    gender = models.CharField(_("gender"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=50, blank=True)
    initials = models.CharField(_("initials"), max_length=30, blank=True)
    function = models.CharField(_("function"), max_length=150, blank=True)
    telephone_number = models.CharField(_("telephone number"), max_length=50, blank=True)
    cell_phone_number = models.CharField(_("mobile number"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    zip = models.CharField(_("postcode"), max_length=20, blank=True)
    residence = models.CharField(_("residence"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    custom1 = models.CharField(
        _("Custom1 (PE numbers)"),
        max_length=500,
        blank=True,
        help_text=_("OrgID/number pairs separated by commas, e.g. 19/39054148101, 52/123456."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name__name_sort", "first_name__name_sort", "id"]
        # The list's default order (name, as people sort names: portal/collation.py) and its company sort,
        # over 100,000 learners.
        # The learner search compares external IDs and UIDs case-insensitively (its other fields have a
        # trigram index on PostgreSQL, made in migration 0009: see LEARNER_SEARCH_TEXT).
        indexes = [models.Index(Collate("last_name", COLLATION), Collate("first_name", COLLATION), F("id"),
                                name="learner_name_order"),
                   models.Index(fields=["company"], name="learner_company"),
                   # The status filter: its count reads this small index, not 100,000 learners' rows.
                   models.Index(fields=["active"], name="learner_active"),
                   models.Index(Upper("external_id"), name="learner_external_id_upper"),
                   models.Index(Upper("uid"), name="learner_uid_upper")]
        verbose_name = _("learner")
        verbose_name_plural = _("learners")
        constraints = [
            models.CheckConstraint(
                condition=Q(external_id__isnull=False) | Q(login__isnull=False),
                name="learner_has_external_id_or_login",
                violation_error_message=_("A learner needs an external ID or a login."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def anewspring_id(self) -> str:
        """The ID aNewSpring knows this learner by: the external ID, never the login."""
        return self.external_id or ""

    def get_absolute_url(self) -> str:
        return reverse("learner_detail", args=[self.pk])


class PERegistration(models.Model):
    KIND_CHOICES = [(KIND_BIG, _("BIG number")), (KIND_REGISTER, _("registration number"))]

    # The unique (learner, org_id, number) constraint serves as its index.
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="pe_registrations", db_index=False)
    org_id = models.PositiveIntegerField(_("OrgID"))
    number = models.CharField(_("number"), max_length=20, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=KIND_CHOICES)
    check_digit_ok = models.BooleanField(_("check digit OK"), null=True)

    class Meta:
        ordering = ["org_id", "number"]
        # The worklist's learners whose BIG number fails the check: only the failures are indexed.
        indexes = [models.Index(fields=["learner"], condition=Q(check_digit_ok=False),
                                name="pe_registration_check_fails")]
        verbose_name = _("PE registration")
        verbose_name_plural = _("PE registrations")
        constraints = [
            models.UniqueConstraint(fields=["learner", "org_id", "number"], name="pe_registration_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id}/{self.number}"


class Template(models.Model):
    # aNewSpring may leave a template without external ID; such a template is listed, but its
    # courses cannot be read (getCourses takes the external ID).
    external_id = models.CharField(_("external ID"), max_length=100, unique=True, null=True, blank=True)
    uid = models.CharField(_("UID"), max_length=64, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=255)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("template")
        verbose_name_plural = _("templates")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    external_id = models.CharField(_("external ID"), max_length=100, unique=True)
    # aNewSpring: a course UID is only unique per template, so it is no key.
    uid = models.CharField(_("UID"), max_length=64, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=255)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="courses")
    reseller = models.CharField(_("subenvironment"), max_length=100, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    expire_date = models.DateField(_("expiry date"), null=True, blank=True)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(expire_date__isnull=True) | Q(expire_date__gte=models.F("start_date")),
                name="course_expires_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """An activity ("part") of a template; seed 002 lists its types and sub types."""

    TYPE_CHOICES = [
        ("Assessment", _("Assessment")),
        ("Assignment", _("Assignment")),
        ("Certificate", _("Certificate")),
        ("Evaluation", _("Evaluation")),
        ("External", _("External")),
        ("Lesson", _("Lesson")),
        ("Scorm", _("SCORM")),
        ("SkillAssignment", _("Hand-in assignment")),
        ("Event", _("Event")),
    ]
    SUB_TYPE_CHOICES = [
        ("Assessment", _("Assessment")),
        ("RandomAssessment", _("Random assessment")),
        ("FingerPrintAssessment", _("Fingerprint assessment")),
        ("Assignment", _("Assignment")),
        ("Certificate", _("Certificate")),
        ("Inquiry", _("Questionnaire")),
        ("Scan", _("Scan")),
        ("360-degrees", _("360° feedback")),
        ("External", _("External activity")),
        ("Webinar", _("Webinar")),
        ("LTI-1p0", _("External activity with LTI")),
        ("LTI-2p0", _("External activity with LTI")),
        ("Lesson", _("Lesson")),
        ("Documentation", _("Documentation")),
        ("Scorm", _("SCORM")),
        ("SkillAssignment", _("Hand-in assignment")),
        ("VideoSkillAssignment", _("Video hand-in assignment")),
        ("Event", _("Event")),
    ]

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="activities")
    # aNewSpring may leave an activity without external ID ("id": null).
    external_id = models.CharField(_("external ID"), max_length=100, null=True, blank=True)
    uid = models.CharField(_("UID"), max_length=64)
    part_id = models.PositiveIntegerField(_("part ID"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=255)
    block_name = models.CharField(_("block"), max_length=255, blank=True)
    type = models.CharField(_("type"), max_length=30, choices=TYPE_CHOICES)
    sub_type = models.CharField(_("sub type"), max_length=30, choices=SUB_TYPE_CHOICES)

    class Meta:
        ordering = ["template", "part_id", "name"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["template", "uid"], name="activity_uid_unique_per_template"),
            models.UniqueConstraint(
                fields=["template", "external_id"],
                condition=Q(external_id__isnull=False),
                name="activity_external_id_unique_per_template",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """A physical meeting of a course, linked to one of the template's event activities."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="events")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="events")
    external_id = models.CharField(_("external ID"), max_length=100)
    name = models.CharField(_("name"), max_length=255)
    date = models.DateField(_("date"))
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)

    class Meta:
        ordering = ["date", "name"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(fields=["course", "external_id"], name="event_external_id_unique_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def clean(self):
        # Only the course's template's event activities: their results say who attended.
        if self.course_id and self.activity_id and (
                self.activity.template_id != self.course.template_id or self.activity.type != "Event"):
            raise ValidationError({"activity": _("Choose an event activity of the course's template.")})


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


AUDIT_CHAIN_GENESIS = "0" * 64
# What an event's hash covers, in this order: every field but the primary key (unknown before the
# insert; the chain's own ``sequence`` orders the events instead), the previous event's hash included.
AUDIT_HASHED_FIELDS = (
    "sequence", "previous_hash", "created_at", "actor", "actor_user_id", "action", "system", "outcome",
    "learner_id", "course_id", "object_type", "object_id", "object_repr", "summary", "changes",
    "http_method", "http_path", "http_status", "duration_ms", "request_summary", "response_summary",
    "error", "correlation_id",
)
_CREATED_AT, _CORRELATION_ID = AUDIT_HASHED_FIELDS.index("created_at"), AUDIT_HASHED_FIELDS.index("correlation_id")
_CHANGES = AUDIT_HASHED_FIELDS.index("changes")


# Cached: the events of one batch share their time and correlation id.
@lru_cache(maxsize=64)
def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@lru_cache(maxsize=64)
def _uuid_text(value) -> str | None:
    return None if value is None else str(uuid.UUID(str(value)))


_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def audit_event_digest(values: Mapping[str, object]) -> str:
    """sha256 over a canonical serialisation of an event's hashed fields (as stored and as read back)."""
    canonical = [values[name] for name in AUDIT_HASHED_FIELDS]
    canonical[_CREATED_AT] = _utc_text(canonical[_CREATED_AT])
    canonical[_CORRELATION_ID] = _uuid_text(canonical[_CORRELATION_ID])
    changes = canonical[_CHANGES]
    if isinstance(changes, EncodedJSON):  # the serialisation _encode gives, spliced in: no second encoding
        text = f"{_encode(canonical[:_CHANGES])[:-1]},{changes},{_encode(canonical[_CHANGES + 1:])[1:]}"
    else:
        text = _encode(canonical)
    return hashlib.sha256(text.encode()).hexdigest()


class AuditChainHead(models.Model):
    """The end of the audit log's hash chain, in one row. Writers lock it to extend the chain one at a
    time; ``audit_verify`` expects the last event to match it, so removing the newest events (or all,
    with TRUNCATE) shows too."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=AUDIT_CHAIN_GENESIS)

    @classmethod
    def lock(cls, using: str) -> "AuditChainHead":
        """The head, locked until the surrounding transaction ends."""
        heads = cls.objects.using(using)
        # An UPDATE before the read: it takes the row lock on PostgreSQL and the write lock on SQLite,
        # where a read first would let two writers see the same head.
        if not heads.filter(pk=1).update(sequence=F("sequence")):
            heads.get_or_create(pk=1)  # the first event ever
            heads.filter(pk=1).update(sequence=F("sequence"))
        return heads.get(pk=1)

    def link(self, values: dict) -> None:
        """Give ``values`` (an event's fields) its place in the chain, and move the head to it."""
        values["sequence"] = self.sequence + 1
        values["previous_hash"] = self.hash
        values["hash"] = audit_event_digest(values)
        self.sequence, self.hash = values["sequence"], values["hash"]


class AuditEventManager(models.Manager.from_queryset(AppendOnlyQuerySet)):
    def append(self, rows: list[dict]) -> list[int]:
        """Chain and insert events given as ``{field attname: value}`` (defaults fill the rest): one lock
        for the whole batch, so a 100,000-row import does not queue 100,000 times."""
        fields = [f for f in self.model._meta.concrete_fields if f.attname in AUDIT_HASHED_FIELDS]
        per_row = [f for f in fields if f.has_default() and callable(f.default) and f.attname != "created_at"]
        fixed = {f.attname: f.get_default() for f in fields if f not in per_row}
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            head = AuditChainHead.lock(using)
            now = timezone.now()
            chained = []
            for row in rows:
                values = {**fixed, "created_at": now, **row}
                for field in per_row:
                    if field.attname not in row:
                        values[field.attname] = field.get_default()
                # Serialised once, for the hash and for COPY (an import's events each carry every field).
                if not isinstance(values["changes"], EncodedJSON):
                    values["changes"] = EncodedJSON(_encode(values["changes"]))
                head.link(values)
                chained.append(values)
            pks = bulk_insert(self.model, chained)
            head.save(using=using)
        return pks


class AuditEvent(models.Model):
    SYSTEM_PORTAL = "portal"
    SYSTEM_CHOICES = [
        (SYSTEM_PORTAL, _("Portal")),
        ("anewspring", _("aNewSpring")),
        ("pe_online", _("PE-online")),
        ("learning_assistant", _("Learning Assistant")),
    ]
    OUTCOME_SUCCESS = "success"
    OUTCOME_FAILURE = "failure"
    OUTCOME_CHOICES = [(OUTCOME_SUCCESS, _("success")), (OUTCOME_FAILURE, _("failure"))]

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # Few indexes on purpose: a 100,000-row import writes 100,000 events, and every index costs
    # each of them. Actor and action are searched with icontains, which no b-tree index serves.
    actor = models.CharField(_("actor"), max_length=150)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False)
    action = models.CharField(_("action"), max_length=100)
    system = models.CharField(_("system"), max_length=30, choices=SYSTEM_CHOICES, default=SYSTEM_PORTAL)
    outcome = models.CharField(_("outcome"), max_length=10, choices=OUTCOME_CHOICES, default=OUTCOME_SUCCESS)
    # Learners are deactivated, never deleted, once they have history.
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events",
                                db_index=False)  # the (learner, -created_at) index serves it
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events")
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object ID"), max_length=100, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    http_method = models.CharField(_("HTTP method"), max_length=10, blank=True)
    http_path = models.CharField(_("HTTP path"), max_length=500, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    request_summary = models.TextField(_("sent"), blank=True)
    response_summary = models.TextField(_("received"), blank=True)
    error = models.TextField(_("error"), blank=True)
    correlation_id = models.UUIDField(_("correlation ID"), default=uuid.uuid4, db_index=True)
    # Tamper evidence: each event's hash covers its fields and the previous event's hash.
    sequence = models.PositiveBigIntegerField(_("position in the chain"), editable=False)
    previous_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEventManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Each filter's index ends with the log's whole order (time, then id), so a page of one system's
        # events is read off the index even when the newest 500,000 events are another system's.
        indexes = [
            models.Index(fields=["learner", "-created_at", "-id"], name="auditevent_learner_time"),
            models.Index(fields=["system", "-created_at", "-id"], name="auditevent_system_time"),
            # The dashboard's "last verified": a tiny partial index, so it never scans the log.
            models.Index(fields=["-created_at"], condition=Q(action="audit.verify"), name="auditevent_verify_idx"),
            # The failures filter (and the dashboard's failures today) on a million events.
            models.Index(fields=["outcome", "-created_at", "-id"], name="auditevent_outcome_order"),
            # The dashboard's recent activity leaves out remote calls: a sync's thousands of calls are not
            # walked past. Partial, so remote calls (most events) do not pay for it.
            models.Index(fields=["-created_at", "-id"], condition=~Q(action="remote_call"), name="auditevent_activity"),
            # Each system's last call (the dashboard's slots, the worklist's failing systems): without it, a system
            # whose events are not calls was read to its end.
            models.Index(fields=["system", "-created_at", "-id"], condition=Q(action="remote_call"),
                         name="auditevent_last_call"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.outcome}"

    def get_absolute_url(self) -> str:
        return reverse("audit_detail", args=[self.pk])

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    def save(self, *args, using=None, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        using = using or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            head = AuditChainHead.lock(using)
            values = {name: getattr(self, name) for name in AUDIT_HASHED_FIELDS}
            head.link(values)
            self.sequence, self.previous_hash, self.hash = values["sequence"], values["previous_hash"], values["hash"]
            super().save(*args, using=using, **kwargs)
            head.save(using=using)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class Job(models.Model):
    """A long-running piece of background work (import, sync, bulk subscribe) whose progress a page shows."""

    QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
    STATUS_CHOICES = [
        (QUEUED, _("queued")),
        (RUNNING, _("running")),
        (SUCCEEDED, _("finished")),
        (FAILED, _("failed")),
    ]

    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=QUEUED)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    correlation_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        # The jobs list: newest first, or one kind's or status's newest first (created_by has its own); the
        # status one also counts the worklist's failed jobs of the last days.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="job_newest_first"),
            models.Index(fields=["kind", "-created_at", "-id"], name="job_kind_newest_first"),
            models.Index(fields=["status", "-created_at", "-id"], name="job_status_newest_first"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.SUCCEEDED:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.SUCCEEDED, self.FAILED)

    def get_absolute_url(self) -> str:
        return reverse("job_detail", args=[self.pk])
class Profile(models.Model):
    """A user's own settings, on their profile page: which mails they want, and in which language."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language of my mails"), max_length=10, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    digest = models.BooleanField(_("a daily e-mail of my worklist"), default=False)
    immediate = models.BooleanField(_("an e-mail at once when PE-online rejects awards or a job I started fails"),
                                    default=False)
    # The day of the last digest sent (the portal's time zone): a second run that day sends nothing.
    digest_sent_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


from portal.imports.models import LearnerImport, LearnerImportChunk, LearnerImportRow  # noqa: E402,F401
