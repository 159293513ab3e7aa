import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enrolments.models import Enrolment, ReferenceItem


class EnrolmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Learner or ULN"), method="search")
    framework = django_filters.ModelChoiceFilter(
        label=_("Framework"), queryset=ReferenceItem.objects.filter(list_name=ReferenceItem.FRAMEWORKS))

    class Meta:
        model = Enrolment
        fields = ["q", "framework"]

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
