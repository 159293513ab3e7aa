"""Forms of the events coordinators record on a course, and of their CSV import."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accreditation import selectors
from portal.models import Event
from portal.validators import TextRulesMixin
from portal.widgets import DateInput


class EventForm(TextRulesMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["name", "date", "end_time", "location", "activity", "external_id"]
        # Browsers' own pickers: ISO values, never localized.
        widgets = {"date": DateInput(),
                   "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.course = course
        self.fields["activity"].queryset = selectors.event_activities(course)
        self.fields["activity"].label = _("Activity")  # the model field has no label of its own
        self.fields["activity"].help_text = _("The template's event activity: its results say who attended.")
        self.fields["external_id"].help_text = _("Your own code for this event, unique within the course.")

    def clean_external_id(self):
        value = self.cleaned_data["external_id"].strip()
        others = Event.objects.filter(course=self.instance.course, external_id=value).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Another event of this course has this external ID."))
        return value


class EventImportUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))


class EventImportConfirmForm(forms.Form):
    valid_only = forms.BooleanField(
        label=_("Import the valid rows only"), required=False,
        help_text=_("Rows with errors are left out; you can import them later from a corrected file."))
