import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accreditation.models import Award
from portal.models import Template
from portal.tables import DateTimeColumn
from portal.texts import stored_shown

STATUS_BADGES = {
    Award.BLOCKED: "warning", Award.NO_DATE: "warning", Award.DUE: "info", Award.SENDING: "primary",
    Award.ACCEPTED: "success", Award.SUPERSEDED: "warning", Award.REJECTED: "danger", Award.FAILED: "danger",
    Award.UNKNOWN: "dark", Award.WITHDRAWN: "secondary",
}


def status_badge(award: Award) -> str:
    return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_BADGES[award.status],
                       award.get_status_display())


class AwardTable(tables.Table):
    created_at = DateTimeColumn(verbose_name=_("Created"), format="Y-m-d H:i", linkify=True)
    learner = tables.Column(verbose_name=_("Learner"), linkify=True)
    registration = tables.Column(verbose_name=_("Registration"), empty_values=(), orderable=False)
    course = tables.Column(verbose_name=_("Course"))
    trigger = tables.Column(verbose_name=_("Trigger"), orderable=False)
    pe_course_id = tables.Column(verbose_name=_("PE Course ID"))
    status = tables.Column(verbose_name=_("Status"))
    message = tables.Column(verbose_name=_("Message"), attrs={"td": {"class": "small text-break"}}, orderable=False)

    class Meta:
        model = Award
        fields = []
        sequence = ["created_at", "learner", "registration", "course", "trigger", "pe_course_id", "status", "message"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "awards"}
        row_attrs = {"data-status": lambda record: record.status}
        empty_text = _("No awards match.")

    def render_registration(self, record):
        return record.registration

    def render_message(self, value):
        return stored_shown(value)

    def render_status(self, record):
        return status_badge(record)


class TemplateTable(tables.Table):
    name = tables.Column(verbose_name=_("Template"),
                         linkify=lambda record: reverse("template_accreditation", args=[record.pk]))
    external_id = tables.Column(verbose_name=_("ID"))
    accreditation = tables.Column(verbose_name=_("Accreditation type"), accessor="accreditation__type",
                                  default="—", orderable=False)

    class Meta:
        model = Template
        fields = []
        sequence = ["name", "external_id", "accreditation"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "templates"}
        empty_text = _("No templates match. Sync the catalogue from aNewSpring first.")

    def render_accreditation(self, record):
        return record.accreditation.get_type_display()
