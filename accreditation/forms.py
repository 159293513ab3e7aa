"""PE configuration forms; each checks the fields its accreditation type requires (API-NOTES' table)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accreditation.models import (
    AccreditationType, Assessment, CertificateAccreditation, CourseAccreditation, EventAccreditation,
    TemplateAccreditation, meeting_ids_check)
from accreditation.validators import validate_pe_ids
from portal.models import Activity

REQUIRED = _("Required for this accreditation type.")


def _require(form: forms.Form, *names: str) -> None:
    for name in names:
        if not form.cleaned_data.get(name):
            form.add_error(name, REQUIRED)


class TemplateAccreditationForm(forms.ModelForm):
    class Meta:
        model = TemplateAccreditation
        fields = ["type", "completing_activity", "pe_course_id", "pe_module_id", "org_id"]

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["completing_activity"].queryset = Activity.objects.filter(template=template).order_by("part_id", "name")
        self.fields["completing_activity"].help_text = _("Completing it earns the award (not for accreditation per "
                                                         "event, where each event does).")

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        if kind in (AccreditationType.EXPERTISE, AccreditationType.ELEARNING):
            _require(self, "completing_activity", "pe_course_id")
        if kind == AccreditationType.ELEARNING:
            _require(self, "pe_module_id")
        if kind == AccreditationType.EVENTS_TOTAL:
            _require(self, "completing_activity")
        if kind in (AccreditationType.EVENTS_TOTAL, AccreditationType.EVENTS_PER_EVENT) and data.get("pe_module_id"):
            self.add_error("pe_module_id", _("Physical courses have editions and meetings, not modules."))
        return data


class CourseAccreditationForm(forms.ModelForm):
    class Meta:
        model = CourseAccreditation
        fields = ["pe_course_id", "pe_edition_id", "org_id"]

    def clean(self):
        data = super().clean()
        _require(self, "pe_course_id", "pe_edition_id")
        return data


class CertificateAccreditationForm(forms.ModelForm):
    class Meta:
        model = CertificateAccreditation
        fields = ["pe_course_id", "pe_module_id", "org_id"]

    def __init__(self, *args, template_type: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.template_type = template_type

    def clean(self):
        data = super().clean()
        if self.template_type not in (AccreditationType.EXPERTISE, AccreditationType.ELEARNING):
            raise ValidationError(_("Certificates earn awards for templates of type expertise groups or e-learning "
                                    "on demand: set the template's accreditation type first."))
        _require(self, "pe_course_id")
        if self.template_type == AccreditationType.ELEARNING:
            _require(self, "pe_module_id")
        return data


class EventAccreditationForm(forms.ModelForm):
    meetings = forms.CharField(label=_("PE Meeting IDs"), help_text=_("One or more, separated by commas."),
                               required=False)

    class Meta:
        model = EventAccreditation
        fields = ["meetings", "pe_course_id", "pe_edition_id", "assessment", "threshold", "org_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meetings"].initial = ", ".join(self.instance.pe_meeting_ids)

    def clean_meetings(self):
        meetings = [m.strip() for m in self.cleaned_data["meetings"].split(",") if m.strip()]
        if len(set(meetings)) != len(meetings):
            raise ValidationError(_("A meeting ID is listed twice."))
        if any(len(m) > 50 for m in meetings):
            raise ValidationError(_("A meeting ID has at most 50 characters."))
        meeting_ids_check(meetings)
        validate_pe_ids(meetings)
        return meetings

    def clean(self):
        data = super().clean()
        if data.get("assessment") == Assessment.NONE:
            return data
        _require(self, "meetings", "pe_course_id", "pe_edition_id")
        if data.get("assessment") == Assessment.SCORE:
            _require(self, "threshold")
        return data

    def save(self, commit=True):
        self.instance.pe_meeting_ids = self.cleaned_data["meetings"]
        return super().save(commit)
