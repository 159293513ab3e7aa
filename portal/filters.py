import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.actions import action_choices
from portal.models import AuditEvent, Learner, PERegistration
from portal.selectors import SEARCH_MAX_LENGTH, learner_search


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
    learner = django_filters.NumberFilter(label=_("Learner ID"), field_name="learner_id")
    correlation_id = django_filters.UUIDFilter(label=_("Correlation ID"))
    created_after = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte",
                                              widget=forms.DateInput(attrs={"type": "date"}))
    created_before = django_filters.DateFilter(label=_("Until"), field_name="created_at", lookup_expr="date__lte",
                                               widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "system", "outcome", "learner", "correlation_id", "created_after", "created_before"]
