"""The subscribe page filters learners exactly as the learner list does; the subscription list filters
subscriptions by course, status, dates and learner (the learner list's search)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.filters import LearnerFilter
from portal.models import Course, Template
from portal.selectors import SEARCH_MAX_LENGTH, learner_search
from portal.widgets import DateInput
from subscriptions.models import Subscription
from subscriptions.selectors import subscribed_until, subscriptions_with_status

__all__ = ["LearnerFilter", "SubscriptionFilter"]


def _date(label, field_name, lookup_expr):
    return django_filters.DateFilter(label=label, field_name=field_name, lookup_expr=lookup_expr,
                                     widget=DateInput())


class SubscriptionFilter(django_filters.FilterSet):
    learner = django_filters.CharFilter(
        label=_("Learner"), method="search_learner",
        widget=forms.TextInput(attrs={"placeholder": _("Name, e-mail, ID or BIG number"),
                                      "maxlength": SEARCH_MAX_LENGTH}))
    template = django_filters.ChoiceFilter(label=_("Template"), field_name="course__template")
    course = django_filters.ChoiceFilter(label=_("Course"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=list(Subscription.STATUS_LABELS.items()),
                                         method="with_status")
    start_after = _date(_("Start from"), "start_date", "gte")
    start_before = _date(_("Start until"), "start_date", "lte")
    expire_after = _date(_("Expiry from"), "expire_date", "gte")
    expire_before = _date(_("Expiry until"), "expire_date", "lte")
    # The worklist's "not started 30 days after subscribing": a time range, so the index on the column serves it.
    subscribed_before = django_filters.DateFilter(label=_("Subscribed until"), field_name="subscribe_date",
                                                  method="subscribed_until",
                                                  widget=DateInput())

    class Meta:
        model = Subscription
        fields = ["learner", "template", "course", "status", "start_after", "start_before", "expire_after",
                  "expire_before", "subscribed_before"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One read each for the select and its validation (a model choice reads again to validate).
        self.filters["template"].extra["choices"] = list(Template.objects.order_by("name").values_list("pk", "name"))
        self.filters["course"].extra["choices"] = list(Course.objects.order_by("name").values_list("pk", "name"))

    def search_learner(self, queryset, name, value):
        return queryset.filter(learner__in=learner_search(query=value).values("pk")) if value.strip() else queryset

    def with_status(self, queryset, name, value):
        return subscriptions_with_status(queryset, value)

    def subscribed_until(self, queryset, name, value):
        return subscribed_until(queryset, value)
