from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import ModelChoiceField, ModelMultipleChoiceField
from portal.models import Activity, Course, Learner
from portal.validators import DONE, PLANNING, TextRulesMixin, date_validator, validate_external_id
from portal.widgets import DateInput
from subscriptions import selectors
from subscriptions.models import LearnerGroup

PLANNED = [date_validator(PLANNING)]  # no 0001-01-01 or 9999-12-31 sent to aNewSpring


class CourseChoiceField(ModelChoiceField):
    def label_from_instance(self, course):
        return f"{course.name} ({course.external_id})"


def _check_dates(form, cleaned):
    start, expire = cleaned.get("start_date"), cleaned.get("expire_date")
    if start and expire and expire < start:
        form.add_error("expire_date", _("The expiry date must not be before the start date."))
    return cleaned


class SubscribeForm(forms.Form):
    """Who (selected learners or one group), to which course, with optional dates."""

    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none())
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput(),
                                 help_text=_("Leave empty to start today."), validators=PLANNED)
    expire_date = forms.DateField(label=_("Expiry date"), required=False, widget=DateInput(),
                                  validators=PLANNED)
    learners = ModelMultipleChoiceField(queryset=Learner.objects.all(), required=False,
                                        widget=forms.MultipleHiddenInput)
    group = ModelChoiceField(label=_("Or a learner group"), queryset=LearnerGroup.objects.all(), required=False,
                             help_text=_("The whole group is subscribed with subscribeGroups; the dates "
                                         "above do not apply to a group. You confirm the licences first."))
    # A group is subscribed only after the coordinator saw how many licences it will use.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = selectors.courses_for_subscribing()
        self.fields["group"].queryset = LearnerGroup.objects.filter(type="student")

    def clean(self):
        cleaned = _check_dates(self, super().clean())
        learners, group = cleaned.get("learners"), cleaned.get("group")
        if not learners and not group:
            raise forms.ValidationError(_("Select one or more learners, or a group."))
        if learners and group:
            raise forms.ValidationError(_("Select learners or a group, not both."))
        return cleaned


class SubscriptionChangeForm(forms.Form):
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput(),
                                 validators=PLANNED)
    expire_date = forms.DateField(label=_("Expiry date"), required=False, widget=DateInput(),
                                  validators=PLANNED)

    def clean(self):
        cleaned = _check_dates(self, super().clean())
        if not cleaned.get("start_date") and not cleaned.get("expire_date") and not self.errors:
            raise forms.ValidationError(_("Enter a new start date or expiry date."))
        return cleaned


class ActivityChoiceField(ModelChoiceField):
    def label_from_instance(self, activity):
        return f"{activity.name} ({activity.external_id})"


class ExternalScoreForm(forms.Form):
    activity = ActivityChoiceField(label=_("External activity"), queryset=Activity.objects.none())
    score = forms.DecimalField(label=_("Score (%)"), min_value=0, max_value=100, decimal_places=2)
    passed = forms.TypedChoiceField(
        label=_("Passed"), required=False, coerce=lambda v: {"true": True, "false": False}.get(v), empty_value=None,
        choices=[("", _("Decided by the activity's threshold")), ("true", _("Passed")), ("false", _("Not passed"))])
    completed_on = forms.DateField(label=_("Date"), required=False, widget=DateInput(),
                                   validators=[date_validator(DONE)])

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = selectors.external_activities(course=course)


class LearnerGroupForm(TextRulesMixin, forms.ModelForm):
    """A group's name and ID, and the members to add or remove: never a list of every learner to choose
    from (the page shows a search and a page of members, each with its checkbox)."""

    add = ModelMultipleChoiceField(label=_("Add"), queryset=Learner.objects.filter(active=True),
                                   required=False, widget=forms.MultipleHiddenInput)
    remove = ModelMultipleChoiceField(label=_("Remove"), queryset=Learner.objects.all(), required=False,
                                      widget=forms.MultipleHiddenInput)

    class Meta:
        model = LearnerGroup
        fields = ["external_id", "name"]
        help_texts = {"external_id": _("The group's ID in aNewSpring; it cannot be changed there later.")}

    def clean_external_id(self) -> str:
        validate_external_id(self.cleaned_data["external_id"])
        return self.cleaned_data["external_id"]

    def members(self) -> list[Learner]:
        """The members once saved: the current ones, plus those to add, minus those to remove."""
        current = list(self.instance.members.all()) if self.instance.pk else []
        # Sets of keys: checking each of 990 added learners against a list of 9,900 took seconds.
        held = {learner.pk for learner in current}
        removed = {learner.pk for learner in self.cleaned_data["remove"]}
        added = [learner for learner in self.cleaned_data["add"] if learner.pk not in held]
        return [learner for learner in current + added if learner.pk not in removed]
