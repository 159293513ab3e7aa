"""PE configuration forms; each checks the fields its accreditation type requires (API-NOTES' table)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accreditation.models import (
    BASIS_TYPES, AccreditationType, Assessment, AwardBasis, CertificateAccreditation, CourseAccreditation,
    EventAccreditation, TemplateAccreditation, meeting_ids_check)
from accreditation.validators import validate_pe_ids
from portal.models import Activity

REQUIRED = _("Required for this accreditation type.")


def _require(form: forms.Form, *names: str) -> None:
    for name in names:
        if not form.cleaned_data.get(name):
            form.add_error(name, REQUIRED)


class TemplateAccreditationForm(forms.ModelForm):
    """Each award basis requires what it needs and nothing else; fields another basis uses are cleared, so
    a stored configuration never carries IDs that make no awards."""

    class Meta:
        model = TemplateAccreditation
        fields = ["basis", "type", "completing_activity", "pe_course_id", "pe_module_id", "org_id"]

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["basis"].widget = forms.RadioSelect(choices=AwardBasis.choices)
        self.fields["completing_activity"].queryset = Activity.objects.filter(template=template).order_by("part_id", "name")
        self.fields["completing_activity"].help_text = _("Award basis course completing activity only: completing it "
                                                         "earns the award.")
        self.fields["pe_course_id"].help_text = _("Award basis course completing activity only (accreditation of the "
                                                  "total: optional, each course has its own).")
        self.fields["pe_module_id"].help_text = _("E-learning on demand with the course completing activity only.")

    def clean(self):
        data = super().clean()
        basis, kind = data.get("basis"), data.get("type")
        if basis and kind and kind not in BASIS_TYPES[basis]:
            self.add_error("type", _("This accreditation type is not awarded on this basis: %(types)s.") % {
                "types": ", ".join(str(AccreditationType(t).label) for t in BASIS_TYPES[basis])})
            return data
        if basis == AwardBasis.COMPLETION:
            _require(self, "completing_activity")
            if kind in (AccreditationType.EXPERTISE, AccreditationType.ELEARNING):
                _require(self, "pe_course_id")
            if kind == AccreditationType.ELEARNING:
                _require(self, "pe_module_id")
            if kind == AccreditationType.EVENTS_TOTAL and data.get("pe_module_id"):
                self.add_error("pe_module_id", _("Physical courses have editions and meetings, not modules."))
        else:  # certificates and events carry their own PE IDs
            data.update(completing_activity=None, pe_course_id="", pe_module_id="")
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

    def __init__(self, *args, template_config: TemplateAccreditation | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.template_config = template_config

    def clean(self):
        data = super().clean()
        if self.template_config is None or self.template_config.basis != AwardBasis.CERTIFICATE:
            raise ValidationError(_("Certificates earn awards when the template's award basis is received "
                                    "certificates: set the template's PE configuration first."))
        _require(self, "pe_course_id")
        if self.template_config.type == AccreditationType.ELEARNING:
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
        self.fields["threshold"].help_text = _(
            "aNewSpring's passed verdict decides (the threshold is set on the activity in aNewSpring); this "
            "threshold only judges a result that has a score but no verdict. Attendance: the event activity "
            "is completed.")
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
