import django_filters
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.actions import action_choices
from portal.jobs import job_kind_choices
from portal.models import AuditEvent, Job, Learner, PERegistration
from portal.selectors import SEARCH_MAX_LENGTH, learner_search
from portal.validators import MAX_KEY
from portal.widgets import DateInput

AUDIT_LEARNERS_FOUND = 50


class LearnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("Name, e-mail, ID or BIG number"), "autofocus": True,
                                                                "maxlength": SEARCH_MAX_LENGTH}))
    active = django_filters.BooleanFilter(
        label=_("Status"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Active")), ("false", _("Inactive"))]),
    )
    company = django_filters.CharFilter(label=_("Company"), lookup_expr="icontains")
    # On the id: a partial index on the PE registrations that fail the check serves it (the worklist's link).
    check_digit = django_filters.BooleanFilter(
        label=_("BIG check digit"), field_name="id", method="with_check_digit",
        widget=forms.Select(choices=[("", _("All")), ("false", _("Fails"))]))

    class Meta:
        model = Learner
        fields = ["q", "active", "company", "check_digit"]

    def with_check_digit(self, queryset, name, value):
        failing = PERegistration.objects.filter(check_digit_ok=False).values("learner_id")
        return queryset.exclude(pk__in=failing) if value else queryset.filter(pk__in=failing)

    def search(self, queryset, name, value):
        return learner_search(query=value, learners=queryset)


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("Actor"), lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=action_choices)
    system = django_filters.ChoiceFilter(label=_("System"), choices=AuditEvent.SYSTEM_CHOICES)
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=AuditEvent.OUTCOME_CHOICES)
    learner_name = django_filters.CharFilter(
        label=_("Learner"), field_name="learner", method="search_learner",
        widget=forms.TextInput(attrs={
            "placeholder": _("Name, e-mail, ID or BIG number"), "maxlength": SEARCH_MAX_LENGTH,
            "title": format_lazy(_("The events of the first {count} learners found"), count=AUDIT_LEARNERS_FOUND)}))
    # The learner pages link to one learner's events by number (not in the form: a search replaces it).
    learner = django_filters.NumberFilter(field_name="learner_id", widget=forms.HiddenInput, min_value=0,
                                          max_value=MAX_KEY)
    correlation_id = django_filters.UUIDFilter(label=_("Correlation ID"))
    created_after = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte",
                                              widget=DateInput())
    created_before = django_filters.DateFilter(label=_("Until"), field_name="created_at", lookup_expr="date__lte",
                                               widget=DateInput())

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "system", "outcome", "learner_name", "learner", "correlation_id", "created_after",
                  "created_before"]

    def search_learner(self, queryset, name, value):
        """The learner search of the learner list; the log's (learner, time) index then serves a list of
        learners, so the list is kept short."""
        if not value.strip():
            return queryset
        found = list(learner_search(query=value).order_by().values_list("pk", flat=True)[:AUDIT_LEARNERS_FOUND])
        return queryset.filter(learner_id__in=found)


class JobFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=job_kind_choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Job.STATUS_CHOICES)
    user = django_filters.CharFilter(label=_("Started by"), field_name="created_by__username", lookup_expr="icontains")

    class Meta:
        model = Job
        fields = ["kind", "status", "user"]
