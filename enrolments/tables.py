import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from enrolments.models import Enrolment, ReferenceItem
from portal.models import Learner
from portal.tables import DateTimeColumn


class ProgressColumn(tables.Column):
    def render(self, value):
        return format_html('<div class="progress" role="progressbar" aria-valuenow="{0}" aria-valuemin="0" '
                           'aria-valuemax="100"><div class="progress-bar" data-progress="{0}">{0}%</div></div>',
                           f"{value:g}")


class EnrolmentTable(tables.Table):
    learner = tables.Column(verbose_name=_("Learner"), linkify=lambda record: record.get_absolute_url(),
                            order_by=("learner__last_name", "learner__first_name"))
    framework = tables.Column(verbose_name=_("Framework"), accessor="framework__name")
    qan = tables.Column(verbose_name=_("QAN"), accessor="framework__data__qan", orderable=False)
    progress = ProgressColumn(verbose_name=_("Progress"))
    progress_pulled_at = DateTimeColumn(verbose_name=_("Last pull"), format="Y-m-d H:i", default=_("never"))
    start_date = DateTimeColumn(verbose_name=_("Start"), format="Y-m-d")
    planned_end_date = DateTimeColumn(verbose_name=_("Planned end"), format="Y-m-d")

    class Meta:
        model = Enrolment
        fields = ["uln", "start_date"]
        sequence = ["learner", "framework", "qan", "uln", "start_date", "planned_end_date", "progress",
                    "progress_pulled_at"]
        attrs = {"class": "table table-hover align-middle", "id": "enrolments"}
        empty_text = _("No enrolments yet.")


class ReferenceItemTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"))
    detail = tables.Column(verbose_name=_("Details"), empty_values=(), orderable=False)
    synced_at = DateTimeColumn(verbose_name=_("Synced"), format="Y-m-d H:i")

    class Meta:
        model = ReferenceItem
        fields = ["list_name", "name", "key", "active", "synced_at"]
        sequence = ["list_name", "name", "detail", "key", "active", "synced_at"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "reference-items"}
        empty_text = _("Nothing synced yet.")

    def render_detail(self, record):
        if record.list_name == ReferenceItem.FRAMEWORKS:
            mandatory = sum(1 for u in record.units if u.get("mandatory"))
            units = len(record.units)
            return ngettext("QAN %(qan)s · %(units)d unit, %(mandatory)d mandatory",
                            "QAN %(qan)s · %(units)d units, %(mandatory)d mandatory", units) % {
                "qan": record.data.get("qan", "?"), "units": units, "mandatory": mandatory}
        if record.list_name == ReferenceItem.TRAINERS:
            roles = [str(label) for flag, label in (("assessor", _("assessor")), ("verifier", _("verifier")))
                     if record.data.get(flag)]
            if record.data.get("roles_known") is False:
                roles.append(str(_("role not given by Learning Assistant")))
            return ", ".join(roles) or "—"
        return "—"


class LearnerPickTable(tables.Table):
    learners = tables.CheckBoxColumn(accessor="pk", attrs={
        "th__input": {"data-select-all": "learners", "aria-label": _("Select all")},
        "td__input": {"aria-label": _("Select")},
    })
    name = tables.Column(verbose_name=_("Name"), accessor="full_name", order_by=("last_name", "first_name"))

    class Meta:
        model = Learner
        fields = ["learners", "name", "external_id", "email", "company"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "learner-pick"}
        empty_text = _("No learners match.")

    def __init__(self, *args, ticked=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        # Learners ticked before a search or filter stay ticked when the table is drawn again.
        self.columns["learners"].column.checked = lambda value, record: value in ticked
