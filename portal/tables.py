import django_tables2 as tables
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.models import AuditEvent, Learner


class LearnerTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=True, accessor="full_name", order_by=("last_name", "first_name"))
    pe_numbers = tables.Column(verbose_name=_("PE numbers"), accessor="custom1", orderable=False)
    # Sorting 100,000 learners by these needs an index each; the filters and search find them instead.
    email = tables.EmailColumn(orderable=False)
    active = tables.BooleanColumn(orderable=False)

    class Meta:
        model = Learner
        fields = ["name", "external_id", "login", "email", "company", "pe_numbers", "active"]
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No learners match.")


class CappedPaginator(Paginator):
    """Counts at most ``CAP`` rows: counting a million audit events costs more than the page itself.
    Beyond the cap a coordinator narrows the filters (or exports); ``capped`` says the count stopped."""

    CAP = 10_000

    @cached_property
    def _counted(self) -> int:
        # django-tables2 pages its BoundRows; the count runs on the (ordered, filtered) queryset under them.
        rows = getattr(getattr(self.object_list, "data", None), "data", self.object_list)
        return rows[: self.CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.CAP)

    @property
    def capped(self) -> bool:
        return self._counted > self.CAP


class AuditEventTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", linkify=True, attrs={"td": {"class": "text-nowrap"}})
    learner = tables.Column(linkify=True)
    # The log is read in time order; the filters narrow it (sorting a million events by text needs an index each).
    actor = tables.Column(orderable=False)
    action = tables.Column(orderable=False)
    outcome = tables.Column(orderable=False)
    http_status = tables.Column(verbose_name=_("HTTP"), attrs={"td": {"class": "text-nowrap"}}, orderable=False)
    detail = tables.Column(verbose_name=_("Detail"), accessor="summary", orderable=False,
                           attrs={"td": {"class": "text-break small"}})

    class Meta:
        model = AuditEvent
        fields = ["created_at", "actor", "action", "system", "learner", "course", "outcome", "http_status", "detail"]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No audit events match.")

    def render_action(self, value, record):
        return record.action_label

    def render_http_status(self, value, record):
        return f"{value} · {record.duration_ms} ms" if record.duration_ms is not None else value

    def render_outcome(self, value, record):
        css = "success" if record.outcome == AuditEvent.OUTCOME_SUCCESS else "danger"
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)

    def render_detail(self, value, record):
        return format_html("{}<div class='small text-danger'>{}</div>", value, record.error) if record.error else value
