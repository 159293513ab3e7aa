"""What the portal keeps of Learning Assistant: the synced reference lists, the enrolments it
made (with what it sent) and progress snapshots for the chart.

Learning Assistant is the source of truth: an enrolment row is written only after
GroupEnrolment succeeded, and its values change only after UpdateEnrolment succeeded.
"""

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import Learner


class ReferenceItem(models.Model):
    """One entry of a synced list. Entries Learning Assistant drops stay, marked inactive, so old
    enrolments keep their framework; the form offers active ones only."""

    FRAMEWORKS, TRAINERS, COMPANIES, NATIONALITIES, ETHNICITIES = (
        "frameworks", "trainers", "companies", "nationalities", "ethnicities")
    LIST_CHOICES = [(FRAMEWORKS, _("Frameworks")), (TRAINERS, _("Assessors and verifiers")),
                    (COMPANIES, _("Companies")), (NATIONALITIES, _("Nationalities")),
                    (ETHNICITIES, _("Ethnicities"))]

    list_name = models.CharField(_("list"), max_length=20, choices=LIST_CHOICES)
    key = models.CharField(_("key"), max_length=64, help_text=_("Learning Assistant's UUID or ID"))
    name = models.CharField(_("name"), max_length=255)
    # Frameworks: {"qan", "units": [{"uuid", "reference", "title", "mandatory"}]};
    # trainers: {"assessor", "verifier"}.
    data = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        ordering = ["list_name", "name"]
        verbose_name = _("reference item")
        verbose_name_plural = _("reference items")
        permissions = [("sync_reference", _("Can sync reference data from Learning Assistant"))]
        constraints = [models.UniqueConstraint(fields=["list_name", "key"], name="reference_item_unique")]
        indexes = [models.Index(fields=["list_name", "active", "name"], name="reference_item_choices")]

    def __str__(self) -> str:
        qan = self.data.get("qan")
        return f"{self.name} ({qan})" if qan else self.name

    @property
    def units(self) -> list[dict]:
        return self.data.get("units", [])


class ReferenceSync(models.Model):
    """The last sync of each list and what it changed."""

    list_name = models.CharField(_("list"), max_length=20, choices=ReferenceItem.LIST_CHOICES, unique=True)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)  # None: never stored
    total = models.PositiveIntegerField(_("entries"), default=0)
    # Items of the last stored answer left out for want of a key or a name.
    skipped_count = models.PositiveIntegerField(default=0)
    # Why the last attempt failed (the previous entries were kept); empty when it succeeded.
    error = models.TextField(_("error"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # What changed: the counts, and the first NAMES_KEPT names of each (a first sync may add thousands).
    added_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    renamed_count = models.PositiveIntegerField(default=0)
    added = models.JSONField(default=list, blank=True)
    removed = models.JSONField(default=list, blank=True)
    renamed = models.JSONField(default=list, blank=True)  # [[before, after], ...]

    NAMES_KEPT = 30

    class Meta:
        ordering = ["list_name"]
        verbose_name = _("reference data sync")
        verbose_name_plural = _("reference data syncs")

    def __str__(self) -> str:
        when = self.synced_at or self.failed_at
        return f"{self.get_list_name_display()} {when:%Y-%m-%d %H:%M}" if when else str(self.get_list_name_display())


class LearnerIdentity(models.Model):
    """The UUID Learning Assistant knows a portal learner by (its Source System Learner UUID).
    Stored before the first GroupEnrolment, so a retry after a lost answer can find the learner
    there (GetCandidates) instead of enrolling them twice."""

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="la_identity")
    source_uuid = models.UUIDField(_("source system learner UUID"), default=uuid.uuid4, unique=True)

    class Meta:
        verbose_name = _("Learning Assistant learner identity")
        verbose_name_plural = _("Learning Assistant learner identities")

    def __str__(self) -> str:
        return str(self.source_uuid)


class Enrolment(models.Model):
    """A learner enrolled on a framework in Learning Assistant through the portal."""

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="la_enrolments")
    framework = models.ForeignKey(ReferenceItem, on_delete=models.PROTECT, related_name="enrolments",
                                  limit_choices_to={"list_name": ReferenceItem.FRAMEWORKS})
    candidate_uuid = models.CharField(_("candidate UUID"), max_length=64)
    uln = models.CharField(_("ULN"), max_length=10, blank=True)
    start_date = models.DateField(_("start date"))
    planned_end_date = models.DateField(_("planned end date"))
    # Everything sent (our field names, as text), so an update can send only what changed.
    values = models.JSONField(default=dict)
    unit_uuids = models.JSONField(default=list, blank=True)
    progress = models.FloatField(_("progress (%)"), null=True, blank=True)
    units_progress = models.JSONField(default=list, blank=True)  # the last GetProgress(Full) units
    outcomes_pulled_at = models.DateTimeField(_("outcome detail pulled"), null=True, blank=True)
    progress_pulled_at = models.DateTimeField(_("progress pulled"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("enrolled on"), auto_now_add=True)
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        # The list's default order and its sorts.
        indexes = [models.Index(fields=["-created_at", "-id"], name="enrolment_newest_first"),
                   models.Index(fields=["start_date"], name="enrolment_start_date"),
                   models.Index(fields=["planned_end_date"], name="enrolment_planned_end_date"),
                   models.Index(fields=["progress"], name="enrolment_progress"),
                   models.Index(fields=["uln"], name="enrolment_uln")]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["learner", "framework"], name="enrolment_unique"),
            models.CheckConstraint(condition=models.Q(planned_end_date__gte=models.F("start_date")),
                                   name="enrolment_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} – {self.framework.name}"

    def get_absolute_url(self) -> str:
        return reverse("enrolment_detail", args=[self.pk])


class ProgressSnapshot(models.Model):
    """Overall progress at one pull: the points of the progress chart."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(_("taken at"))
    progress = models.FloatField(_("progress (%)"))

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        indexes = [models.Index(fields=["enrolment", "-taken_at"], name="snapshot_latest")]
