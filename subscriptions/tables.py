import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.formats import percent
from portal.models import Learner
from portal.tables import DateTimeColumn
from subscriptions.models import LearnerGroup, Subscription

STATUS_BADGES = {
    Subscription.NOT_STARTED: "secondary",
    Subscription.ACTIVE: "primary",
    Subscription.COMPLETED: "success",
    Subscription.EXPIRED: "warning",
    Subscription.UNSUBSCRIBED: "dark",
}


FLAG_MEANINGS = {
    "active": _("The learner has started the course."),
    "expired": _("The subscription has expired."),
    "finished": _("The subscription has expired or the learner was unsubscribed: not completed."),
    "completed": _("The learner has completed the course."),
}


def status_badge(subscription: Subscription) -> str:
    return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_BADGES[subscription.status],
                       subscription.status_label)


def percent_of_one(value) -> str:
    return "—" if value is None else percent(round(value * 100))


class SubscriptionTable(tables.Table):
    course = tables.Column(verbose_name=_("Course"), linkify=lambda record: record.get_absolute_url())
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)
    # aNewSpring's four flags, each under what it means (seed 002): "finished" is no completion, an
    # unsubscribed learner who did nothing is finished too.
    active = tables.BooleanColumn(verbose_name=_("Started"), attrs={"th": {"title": FLAG_MEANINGS["active"]}})
    expired = tables.BooleanColumn(verbose_name=_("Expired"), attrs={"th": {"title": FLAG_MEANINGS["expired"]}})
    finished = tables.BooleanColumn(verbose_name=_("Ended"), attrs={"th": {"title": FLAG_MEANINGS["finished"]}})
    completed = tables.BooleanColumn(verbose_name=_("Completed"),
                                     attrs={"th": {"title": FLAG_MEANINGS["completed"]}})
    progress = tables.Column(verbose_name=_("Progress"), empty_values=(), orderable=False)
    knowledge_intake = tables.Column(verbose_name=_("Knowledge intake"))
    objectives_progress = tables.Column(verbose_name=_("Objectives"))
    reseller = tables.Column(verbose_name=_("Subenvironment"))
    dates = tables.Column(verbose_name=_("Start – expiry"), empty_values=(), orderable=False)
    results_refreshed_at = DateTimeColumn(verbose_name=_("Refreshed"), format="Y-m-d H:i")

    class Meta:
        model = Subscription
        fields = []
        sequence = ["course", "status", "active", "expired", "finished", "completed", "progress",
                    "knowledge_intake", "objectives_progress", "reseller", "dates", "results_refreshed_at"]
        attrs = {"class": "table table-hover align-middle", "id": "subscriptions"}
        row_attrs = {"data-course": lambda record: record.course.external_id}
        empty_text = _("No subscriptions known. Refresh from aNewSpring or subscribe the learner.")

    def render_status(self, record):
        return status_badge(record)

    def render_progress(self, record):
        return record.progress or "—"

    def render_knowledge_intake(self, value):
        return percent_of_one(value)

    def render_objectives_progress(self, value):
        return percent_of_one(value)

    def render_dates(self, record):
        start = record.start_date.isoformat() if record.start_date else "—"
        expire = record.expire_date.isoformat() if record.expire_date else "—"
        return f"{start} – {expire}"


class SubscriptionListTable(tables.Table):
    """Every subscription: sortable where an index serves the sort, with links to the learner's
    subscriptions and to the subscription's results."""

    learner = tables.Column(verbose_name=_("Learner"),
                            order_by=("learner__last_name__name_sort", "learner__first_name__name_sort"),
                            linkify=lambda record: reverse("learner_subscriptions", args=[record.learner_id]))
    course = tables.Column(verbose_name=_("Course"), order_by=("course__name",),
                           linkify=lambda record: record.get_absolute_url())
    template = tables.Column(verbose_name=_("Template"), accessor="course__template__name", orderable=False)
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)
    progress = tables.Column(verbose_name=_("Progress"), empty_values=(), orderable=False)
    start_date = DateTimeColumn(verbose_name=_("Start"), format="Y-m-d", default="—")
    expire_date = DateTimeColumn(verbose_name=_("Expiry"), format="Y-m-d", default="—")
    subscribe_date = DateTimeColumn(verbose_name=_("Subscribed on"), format="Y-m-d", default="—")
    results_refreshed_at = DateTimeColumn(verbose_name=_("Refreshed"), format="Y-m-d H:i", default=_("never"))
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta:
        model = Subscription
        fields = []
        sequence = ["learner", "course", "template", "status", "progress", "start_date", "expire_date",
                    "subscribe_date", "results_refreshed_at", "actions"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "subscription-list"}
        row_attrs = {"data-status": lambda record: record.status}
        empty_text = _("No subscriptions match.")

    def render_status(self, record):
        return status_badge(record)

    def render_progress(self, record):
        return record.progress or "—"

    def render_actions(self, record):
        # format_html, not a template per row: a template is a quarter of the page's time.
        links = [(record.get_absolute_url(), _("Results"))]
        if not record.finished and self.request.user.has_perm("subscriptions.change_subscription"):
            links.append((reverse("subscription_change", args=[record.pk]), _("Change dates")))
        return format_html('<div class="d-flex gap-2 small text-nowrap">{}</div>',
                           format_html_join("", '<a href="{}">{}</a>', links))


class LearnerSelectTable(tables.Table):
    """Learners with a checkbox each, for subscribing many at once."""

    learners = tables.CheckBoxColumn(accessor="pk", attrs={
        "th__input": {"data-select-all": "learners", "aria-label": _("Select all")},
        "td__input": {"aria-label": _("Select")},
    })
    name = tables.Column(verbose_name=_("Name"), accessor="full_name",
                         order_by=("last_name__name_sort", "first_name__name_sort"),
                         linkify=lambda record: reverse("learner_subscriptions", args=[record.pk]))

    class Meta:
        model = Learner
        fields = ["learners", "name", "external_id", "email", "company"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "learner-select"}
        empty_text = _("No learners match.")

    def __init__(self, *args, ticked=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        # Learners ticked before a search or filter stay ticked when the table is drawn again.
        self.columns["learners"].column.checked = lambda value, record: value in ticked


class LearnerGroupTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=lambda record: reverse("group_edit", args=[record.pk]))
    member_count = tables.Column(verbose_name=_("Members"))
    synced_at = DateTimeColumn(verbose_name=_("Synced to aNewSpring"), format="Y-m-d H:i",
                                      default=_("not yet"))

    class Meta:
        model = LearnerGroup
        fields = ["name", "external_id", "member_count", "synced_at"]
        attrs = {"class": "table table-hover align-middle", "id": "groups"}
        empty_text = _("No learner groups yet.")
