import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.imports.models import LearnerImport, LearnerImportRow

ACTION_BADGES = {
    LearnerImportRow.NEW: "success",
    LearnerImportRow.UPDATE: "primary",
    LearnerImportRow.UNCHANGED: "secondary",
    LearnerImportRow.SKIP: "secondary",
    LearnerImportRow.ERROR: "danger",
}


STATUS_BADGES = {
    LearnerImport.CHECKING: "secondary",
    LearnerImport.CHECKED: "warning",
    LearnerImport.IMPORTING: "primary",
    LearnerImport.IMPORTED: "success",
    LearnerImport.FAILED: "danger",
    LearnerImport.EXPIRED: "danger",
}


def _learner_url(record):
    return reverse("learner_detail", args=[record.learner_id]) if record.learner_id else None


class LearnerImportRowTable(tables.Table):
    line = tables.Column(verbose_name=_("Row"))
    action = tables.Column(verbose_name=_("Action"))
    name = tables.Column(verbose_name=_("Name"), empty_values=(), linkify=_learner_url)
    external_id = tables.Column(verbose_name="ExternalID", accessor="values__external_id")
    login = tables.Column(verbose_name="Login", accessor="values__login")
    email = tables.Column(verbose_name="Email", accessor="values__email")
    problems = tables.Column(verbose_name=_("Errors and warnings"), empty_values=())

    class Meta:
        model = LearnerImportRow
        fields = []
        orderable = False
        attrs = {"class": "table table-sm align-middle", "id": "import-rows"}
        row_attrs = {"data-line": lambda record: record.line}
        empty_text = _("No rows to show.")

    def render_action(self, value, record):
        return format_html('<span class="badge text-bg-{}">{}</span>', ACTION_BADGES[record.action], value)

    def render_name(self, record):
        values = record.values
        return " ".join(values[part] for part in ("first_name", "middle_name", "last_name") if part in values) or "—"

    def render_problems(self, record):
        return format_html_join(
            "", '<div class="{}">{}</div>',
            [("text-danger", text) for text in record.error_texts]
            + [("text-warning-emphasis", text) for text in record.warning_texts],
        ) or ""


class LearnerImportTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Uploaded"),
                                       attrs={"td": {"class": "text-nowrap"}})
    file_name = tables.Column(verbose_name=_("File"), linkify=True)
    created_by = tables.Column(verbose_name=_("By"), default="—")
    status = tables.Column(verbose_name=_("Status"), empty_values=())
    rows = tables.Column(verbose_name=_("Rows"), accessor="counts__total", default="—")
    new = tables.Column(verbose_name=_("new"), accessor="counts__new", default="—")
    update = tables.Column(verbose_name=_("update"), accessor="counts__update", default="—")
    error = tables.Column(verbose_name=_("error"), accessor="counts__error", default="—")
    result = tables.Column(verbose_name=_("Result"), accessor="result__summary", default="—")

    class Meta:
        model = LearnerImport
        fields = []
        orderable = False  # newest first only
        attrs = {"class": "table table-sm table-hover align-middle", "id": "imports"}
        row_attrs = {"data-status": lambda record: record.status}
        empty_text = _("No imports yet.")

    def render_status(self, record):
        return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_BADGES[record.status],
                           record.get_status_display())
