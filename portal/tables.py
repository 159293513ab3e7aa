import weakref
from datetime import datetime

import django_tables2 as tables
import django_tables2.utils
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.jobs import job_kind_label
from portal.models import AuditEvent, Job, Learner
from portal.texts import stored_shown

_library_signature = django_tables2.utils.signature
_signatures = weakref.WeakKeyDictionary()


def _signature(fn):
    """django-tables2 reads the signature of a column's render method for every cell it draws, a
    quarter of a list page's time; a function's signature does not change, so it is read once."""
    key = getattr(fn, "__func__", fn)  # a bound method is new for every cell, its function is not
    try:
        return _signatures[key]
    except KeyError:
        found = _signatures[key] = _library_signature(fn)
        return found
    except TypeError:  # a callable that cannot be weakly referenced
        return _library_signature(fn)


django_tables2.utils.signature = _signature


class DateTimeColumn(tables.Column):
    """A date or a time in a fixed format (``Y-m-d H:i``), in the portal's time zone. django-tables2's
    own date columns compile a template for every cell they draw, a third of a list page's time."""

    def __init__(self, *, format: str, **kwargs):
        super().__init__(**kwargs)
        self.format = format

    def render(self, value):
        return dateformat.format(timezone.localtime(value) if isinstance(value, datetime) else value, self.format)


class LearnerTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=True, accessor="full_name", order_by=("last_name__name_sort", "first_name__name_sort"))
    pe_numbers = tables.Column(verbose_name=_("PE numbers"), accessor="custom1", orderable=False)
    # Sorting 100,000 learners by these needs an index each; the filters and search find them instead.
    email = tables.EmailColumn(orderable=False)
    active = tables.BooleanColumn(orderable=False)

    class Meta:
        model = Learner
        fields = ["name", "external_id", "login", "email", "company", "pe_numbers", "active"]
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No learners match.")


class AuditEventTable(tables.Table):
    # Declared columns take no header from the model: each names its own, translated.
    created_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("Time"), linkify=True,
                                attrs={"td": {"class": "text-nowrap"}})
    learner = tables.Column(verbose_name=_("Learner"), linkify=True)
    course = tables.Column(verbose_name=_("Course"))
    http_status = tables.Column(verbose_name=_("HTTP"), attrs={"td": {"class": "text-nowrap"}})
    detail = tables.Column(verbose_name=_("Detail"), accessor="summary", attrs={"td": {"class": "text-break small"}})

    class Meta:
        model = AuditEvent
        fields = ["created_at", "actor", "action", "system", "learner", "course", "outcome", "http_status", "detail"]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No audit events match.")
        # The log is read newest first a page at a time by keyset; the filters narrow it.
        orderable = False
        template_name = "portal/_keyset_table.html"

    def render_action(self, value, record):
        return record.action_label

    def render_http_status(self, value, record):
        return f"{value} · {record.duration_ms} ms" if record.duration_ms is not None else value

    def render_outcome(self, value, record):
        css = "success" if record.outcome == AuditEvent.OUTCOME_SUCCESS else "danger"
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)

    def render_detail(self, value, record):
        value = stored_shown(value)  # the log keeps English; the reader reads their language
        return format_html("{}<div class='small text-danger'>{}</div>", value, record.error) if record.error else value


class JobTable(tables.Table):
    created_at = DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Started"), attrs={"td": {"class": "text-nowrap"}})
    title = tables.Column(verbose_name=_("Job"), linkify=True, orderable=False)
    kind = tables.Column(verbose_name=_("Kind"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    progress = tables.Column(verbose_name=_("Progress"), accessor="done", orderable=False)
    created_by = tables.Column(verbose_name=_("Started by"), orderable=False, default="—")
    finished_at = DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Finished"), orderable=False, default="—")

    class Meta:
        model = Job
        fields = ["created_at", "title", "kind", "status", "progress", "created_by", "finished_at"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "jobs"}
        empty_text = _("No jobs match.")
        # Newest first only: the filters narrow the list, and no sort needs an index of its own.
        orderable = False

    def render_title(self, value):
        return stored_shown(value)  # kept in English; in the reader's language here

    def render_kind(self, value):
        return job_kind_label(value)

    def render_status(self, value, record):
        css = {Job.FAILED: "danger", Job.SUCCEEDED: "success"}.get(value, "secondary")
        return format_html('<span class="badge text-bg-{}">{}</span>', css, record.get_status_display())

    def render_progress(self, value, record):
        return f"{value} / {record.total}" if record.total else "—"
