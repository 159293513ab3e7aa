import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accreditation.models import Award
from portal.models import Template
from portal.selectors import learner_search
from portal.validators import MAX_KEY
from portal.widgets import DateInput


class AwardFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Award.STATUS_CHOICES)
    template = django_filters.ModelChoiceFilter(label=_("Template"), field_name="course__template",
                                                queryset=Template.objects.all())
    course = django_filters.NumberFilter(label=_("Course ID"), field_name="course_id", min_value=0, max_value=MAX_KEY,
                                         widget=forms.NumberInput(attrs={"placeholder": _("portal course number")}))
    org_id = django_filters.NumberFilter(label=_("Register (OrgID)"), min_value=0, max_value=MAX_KEY)
    learner = django_filters.CharFilter(label=_("Learner"), method="search_learner",
                                        widget=forms.TextInput(attrs={"placeholder": _("Name, ID or BIG number")}))
    created_after = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte",
                                              widget=DateInput())
    created_before = django_filters.DateFilter(label=_("Until"), field_name="created_at", lookup_expr="date__lte",
                                               widget=DateInput())

    class Meta:
        model = Award
        fields = ["status", "template", "course", "org_id", "learner", "created_after", "created_before"]

    def search_learner(self, queryset, name, value):
        return queryset.filter(learner__in=learner_search(query=value).values("pk")) if value.strip() else queryset


class TemplateFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Template"), lookup_expr="icontains")
    configured = django_filters.BooleanFilter(
        label=_("PE configuration"), field_name="accreditation", lookup_expr="isnull", exclude=True,
        widget=forms.Select(choices=[("", _("All")), ("true", _("Configured")), ("false", _("Not configured"))]))

    class Meta:
        model = Template
        fields = ["name", "configured"]
