import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enrolments.models import Enrolment, ReferenceItem
from enrolments.selectors import overdue, pulled_before
from portal.widgets import DateInput


class EnrolmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Learner or ULN"), method="search")
    framework = django_filters.ModelChoiceFilter(
        label=_("Framework"), queryset=ReferenceItem.objects.filter(list_name=ReferenceItem.FRAMEWORKS))
    # The worklist's links; each column has an index.
    pulled_before = django_filters.DateFilter(label=_("Progress not pulled since"), field_name="progress_pulled_at",
                                              method="with_pulled_before",
                                              widget=DateInput())
    overdue = django_filters.BooleanFilter(label=_("Past planned end, not completed"), field_name="planned_end_date",
                                           method="with_overdue",
                                           widget=forms.Select(choices=[("", _("All")), ("true", _("Yes"))]))

    class Meta:
        model = Enrolment
        fields = ["q", "framework", "pulled_before", "overdue"]

    def with_pulled_before(self, queryset, name, value):
        return pulled_before(queryset, value)

    def with_overdue(self, queryset, name, value):
        return overdue(queryset) if value else queryset.exclude(pk__in=overdue(Enrolment.objects.all()).values("pk"))

    def search(self, queryset, name, value):
        for term in value.split()[:5]:
            queryset = queryset.filter(Q(learner__first_name__icontains=term) | Q(learner__last_name__icontains=term)
                                       | Q(learner__external_id__iexact=term) | Q(uln=term))
        return queryset


class ReferenceItemFilter(django_filters.FilterSet):
    list_name = django_filters.ChoiceFilter(label=_("List"), choices=ReferenceItem.LIST_CHOICES)
    name = django_filters.CharFilter(label=_("Name"), lookup_expr="icontains")
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ReferenceItem
        fields = ["list_name", "name", "active"]
