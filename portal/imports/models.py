"""A learner import: the preview of one uploaded CSV file, row by row, kept in the database so
that it survives restarts and is seen by every web process."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.texts import text_register


class LearnerImport(models.Model):
    COUNT_KEYS = ("total", "new", "update", "unchanged", "skip", "error", "warning")
    # Where an import stands, from its dates and its two jobs (see ``status``).
    CHECKING, CHECKED, IMPORTING, IMPORTED, FAILED, EXPIRED = (
        "checking", "checked", "importing", "imported", "failed", "expired")
    STATUS_LABELS = {
        CHECKING: _("checking"),
        CHECKED: _("checked, not confirmed"),
        IMPORTING: _("importing"),
        IMPORTED: _("imported"),
        FAILED: _("failed"),
        EXPIRED: _("expired"),
    }

    file_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20)
    delimiter = models.CharField(_("separator"), max_length=1)
    update_existing = models.BooleanField(_("update existing learners"), default=True)
    valid_only = models.BooleanField(_("valid rows only"), default=False)
    # Names of the integrations that get the imported learners afterwards (see portal.integrations).
    push_to = models.JSONField(_("send the learners to"), default=list, blank=True)
    # Recognised CSV columns in file order, and file-level warnings (e.g. unknown columns).
    columns = models.JSONField(_("columns"), default=list)
    file_warnings = models.JSONField(_("file warnings"), default=list, blank=True)
    # Rows per action, plus "warning" (rows with at least one warning) and "total".
    counts = models.JSONField(_("counts"), default=dict)
    result = models.JSONField(_("result"), default=dict, blank=True)
    correlation_id = models.UUIDField(_("correlation ID"), default=uuid.uuid4, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    # The job that reads the uploaded file and makes the preview, then the one that imports it.
    preview_job = models.OneToOneField("portal.Job", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="learner_import_preview", verbose_name=_("preview job"))
    job = models.OneToOneField("portal.Job", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="learner_import")
    # The jobs, one per system in push_to, that take the imported learners there.
    push_jobs = models.ManyToManyField("portal.Job", blank=True, related_name="+", verbose_name=_("push jobs"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    previewed_at = models.DateTimeField(_("previewed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The worklist's uploads never confirmed: only those are indexed.
        indexes = [models.Index(fields=["created_at"], condition=models.Q(confirmed_at__isnull=True),
                                name="learner_import_unconfirmed")]
        verbose_name = _("learner import")
        verbose_name_plural = _("learner imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def to_import(self) -> int:
        return self.counts["new"] + self.counts["update"]

    @property
    def counts_summary(self) -> str:
        return counts_text(**{key: self.counts[key] for key in self.COUNT_KEYS})

    def get_absolute_url(self) -> str:
        return reverse("import_detail" if self.confirmed_at else "import_preview", args=[self.pk])

    @property
    def status(self) -> str:
        """One of STATUS_LABELS; reads the preview job and the import job (select them with the import)."""
        if self.finished_at:
            return self.IMPORTED
        if self.job_id:
            return self.FAILED if self.job.status == self.job.FAILED else self.IMPORTING
        if self.previewed_at:
            return self.CHECKED
        check = self.preview_job
        if check and check.status == check.FAILED:
            return self.EXPIRED if check.result.get("expired") else self.FAILED
        return self.CHECKING

    def get_status_display(self) -> str:
        return self.STATUS_LABELS[self.status]


class LearnerImportChunk(models.Model):
    """A piece of an uploaded file, kept in the database (not on a web process's disk) until the preview
    job has read it. Pieces, so that neither the upload nor the storing holds the whole file in memory."""

    SIZE = 1024 * 1024

    learner_import = models.ForeignKey(LearnerImport, on_delete=models.CASCADE, related_name="chunks", db_index=False)
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["learner_import", "number"]
        constraints = [models.UniqueConstraint(fields=["learner_import", "number"], name="import_chunk_unique_number")]


class LearnerImportRow(models.Model):
    NEW, UPDATE, UNCHANGED, SKIP, ERROR = "new", "update", "unchanged", "skip", "error"
    ACTION_CHOICES = [
        (NEW, _("new")),
        (UPDATE, _("update")),
        (UNCHANGED, _("unchanged")),
        (SKIP, _("skip (exists)")),
        (ERROR, _("error")),
    ]

    # No separate indexes for the two keys: the unique (learner_import, line) constraint serves the
    # first, and learners are never deleted (the audit log protects them), so the second needs none.
    learner_import = models.ForeignKey(LearnerImport, on_delete=models.CASCADE, related_name="rows", db_index=False)
    line = models.PositiveIntegerField(_("row"))
    action = models.CharField(_("action"), max_length=10, choices=ACTION_CHOICES)
    # Learner field -> cleaned text, for the non-empty cells only. Never holds a password.
    values = models.JSONField(_("values"), default=dict)
    errors = models.JSONField(_("errors"), default=list, blank=True)  # [{"column": ..., "message": ...}]
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    # The PE numbers of a valid Custom1 as [[org_id, number], ...], parsed once at the preview so that the
    # import need not parse Custom1 again.
    pe_numbers = models.JSONField(_("PE numbers"), default=list, blank=True)
    learner = models.ForeignKey("portal.Learner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                db_index=False)

    class Meta:
        ordering = ["learner_import", "line"]
        verbose_name = _("learner import row")
        verbose_name_plural = _("learner import rows")
        constraints = [models.UniqueConstraint(fields=["learner_import", "line"], name="import_row_unique_line")]
        indexes = [models.Index(fields=["learner_import", "action", "line"])]

    def __str__(self) -> str:
        return f"{self.learner_import} row {self.line}"

    @staticmethod
    def describe(problems: list[dict]) -> list[str]:
        return [f"{p['column']}: {p['message']}" if p["column"] else p["message"] for p in problems]

    @property
    def error_texts(self) -> list[str]:
        return self.describe(self.errors)

    @property
    def warning_texts(self) -> list[str]:
        return self.describe(self.warnings)


@text_register("imports.checked")
def counts_text(*, total: int, new: int, update: int, unchanged: int, skip: int, error: int, warning: int) -> str:
    """A checked file's counts (a preview job's result, the import's pages), in the reader's language."""
    labels = dict(LearnerImportRow.ACTION_CHOICES)
    actions = ", ".join(f"{count} {labels[key]}" for key, count in
                        (("new", new), ("update", update), ("unchanged", unchanged), ("skip", skip), ("error", error)))
    return gettext("%(rows)s: %(actions)s; %(warnings)s") % {
        "rows": ngettext("%(count)d row", "%(count)d rows", total) % {"count": total}, "actions": actions,
        "warnings": ngettext("%(count)d with warnings", "%(count)d with warnings", warning) % {"count": warning}}


@text_register("imports.applied")
def applied_text(*, created: int, updated: int) -> str:
    return gettext("%(created)s; %(updated)s.") % {
        "created": ngettext("%(count)d learner created", "%(count)d learners created", created) % {"count": created},
        "updated": ngettext("%(count)d learner updated", "%(count)d learners updated", updated) % {"count": updated}}
