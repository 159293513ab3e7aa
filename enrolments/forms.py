"""The enrol, update and bulk forms: choices from the synced lists, checks before anything is sent."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrolments import client as la
from enrolments import selectors
from enrolments.models import Enrolment, ReferenceItem
from enrolments.validators import normalise_ni_number, qan_warning, validate_ni_number, validate_uln
from portal.forms import ModelChoiceField, ModelMultipleChoiceField
from portal.validators import BIRTH, PLANNING, TextRulesMixin, as_pk, date_validator

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReferenceChoiceField(forms.ModelChoiceField):
    """Sends the item's key (Learning Assistant's UUID or ID); shows its name."""

    def __init__(self, list_name: str, role: str | None = None, **kwargs):
        queryset = (selectors.trainer_choices(role=role) if role
                    else selectors.reference_choices(list_name=list_name))
        super().__init__(queryset=queryset, to_field_name="key", **kwargs)
        self.list_name = list_name

    def label_from_instance(self, obj) -> str:
        if obj.data.get("roles_known") is False:
            return _("%(name)s (role not given by Learning Assistant)") % {"name": obj}
        return str(obj)


class EnrolmentFieldsForm(TextRulesMixin, forms.Form):
    """The fields GroupEnrolment and UpdateEnrolment share, named as in :data:`la.ELEMENT_NAMES`."""

    forename = forms.CharField(label=gettext_lazy("Forename"), max_length=100)
    surname = forms.CharField(label=gettext_lazy("Surname"), max_length=150)
    birth_date = forms.DateField(label=gettext_lazy("Date of birth"), required=False, widget=DATE,
                                 validators=[date_validator(BIRTH)])
    gender = forms.ChoiceField(label=gettext_lazy("Gender"), required=False, choices=[("", "—")] + [
        (value, label) for value, label in zip(la.GENDERS, (gettext_lazy("Male"), gettext_lazy("Female"),
                                                             gettext_lazy("Other")), strict=True)])
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)
    uln = forms.CharField(label=gettext_lazy("ULN"), required=False, max_length=10,
                          help_text=gettext_lazy("Unique Learner Number: 10 digits with a check digit."))
    ni_number = forms.CharField(label=gettext_lazy("National Insurance number"), required=False, max_length=13)
    company_uuid = ReferenceChoiceField(ReferenceItem.COMPANIES, label=gettext_lazy("Company"))
    primary_assessor_uuid = ReferenceChoiceField(ReferenceItem.TRAINERS, "assessor",
                                                 label=gettext_lazy("Primary assessor"))
    primary_verifier_uuid = ReferenceChoiceField(ReferenceItem.TRAINERS, "verifier",
                                                 label=gettext_lazy("Primary verifier"))
    nationality_id = ReferenceChoiceField(ReferenceItem.NATIONALITIES, label=gettext_lazy("Nationality"),
                                          required=False)
    ethnicity_id = ReferenceChoiceField(ReferenceItem.ETHNICITIES, label=gettext_lazy("Ethnicity"), required=False)
    start_date = forms.DateField(label=gettext_lazy("Start date"), widget=DATE, validators=[date_validator(PLANNING)])
    planned_end_date = forms.DateField(label=gettext_lazy("Planned end date"), widget=DATE,
                                       validators=[date_validator(PLANNING)])
    job_title = forms.CharField(label=gettext_lazy("Job title"), required=False, max_length=150)
    department = forms.CharField(label=gettext_lazy("Department"), required=False, max_length=150)
    employee_reference = forms.CharField(label=gettext_lazy("Employee reference number"), required=False,
                                         max_length=50)
    employment_status = forms.CharField(label=gettext_lazy("Employment status"), required=False, max_length=100,
                                        help_text=gettext_lazy("As Learning Assistant records it, e.g. Employed."))
    awarding_body_registration = forms.CharField(label=gettext_lazy("Awarding body registration number"),
                                                 required=False, max_length=50)
    line_manager = forms.CharField(label=gettext_lazy("Line manager"), required=False, max_length=150)
    line_manager_email = forms.EmailField(label=gettext_lazy("Line manager's e-mail address"), required=False)
    line_manager_phone = forms.CharField(label=gettext_lazy("Line manager's phone number"), required=False,
                                         max_length=50)
    address_line1 = forms.CharField(label=gettext_lazy("Address"), required=False, max_length=200)
    address_line2 = forms.CharField(label=gettext_lazy("Address, second line"), required=False, max_length=200)
    town = forms.CharField(label=gettext_lazy("Town"), required=False, max_length=100)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), required=False, max_length=20)

    def clean_uln(self):
        uln = self.cleaned_data["uln"].strip()
        if uln:
            validate_uln(uln)
        return uln

    def clean_ni_number(self):
        number = normalise_ni_number(self.cleaned_data["ni_number"])
        if number:
            validate_ni_number(number)
        return number

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("planned_end_date")
        if start and end and end < start:
            self.add_error("planned_end_date", _("The planned end date lies before the start date."))
        return data

    def values(self) -> dict:
        """The cleaned values under our field names, reference choices as their keys."""
        values = {}
        for name in self.fields:
            if name not in la.ELEMENT_NAMES and name not in la.ADDRESS_NAMES:
                continue
            value = self.cleaned_data.get(name)
            values[name] = value.key if isinstance(value, ReferenceItem) else value
        return values

    def add_issues(self, issues) -> None:
        """Learning Assistant's MessageList, each issue next to its field when it names one we show."""
        element_to_field = {element: name for name, element in la.ELEMENT_NAMES.items()}
        element_to_field |= {"Course": "framework", "Units": "units", "Address": "address_line1"}
        for issue in issues:
            field = element_to_field.get(issue.field)
            if field in self.fields:
                self.add_error(field, issue.message)
            else:
                self.add_error(None, f"{issue.field}: {issue.message}" if issue.field else issue.message)


class EnrolForm(EnrolmentFieldsForm):
    field_order = ["framework", "units"]

    framework = ModelChoiceField(label=gettext_lazy("Framework"), queryset=ReferenceItem.objects.none())
    units = forms.MultipleChoiceField(label=gettext_lazy("Units"), required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=gettext_lazy("Mandatory units are always sent."))
    send_login_details = forms.BooleanField(
        label=gettext_lazy("Send login details"), required=False,
        help_text=gettext_lazy("Learning Assistant e-mails the learner a login link that expires after 24 hours."))
    assign_evaluation = forms.BooleanField(
        label=gettext_lazy("Assign the evaluation"), required=False,
        help_text=gettext_lazy("Learning Assistant assigns the framework's evaluation to the learner on enrolment."))

    def __init__(self, *args, units_url: str = "", learner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.learner = learner
        self.warnings: list[str] = []  # shown, never blocking
        self.fields["framework"].queryset = selectors.reference_choices(list_name=ReferenceItem.FRAMEWORKS)
        if units_url:  # choosing a framework loads its units (htmx); without script the page reloads on submit
            self.fields["framework"].widget.attrs.update({
                "hx-get": units_url, "hx-trigger": "change", "hx-target": "#units-field", "hx-swap": "outerHTML"})
        framework = self.selected_framework()
        units = framework.units if framework else []
        self.fields["units"].choices = [
            (u["uuid"], f"{u['reference']} {u['title']}" + (_(" (mandatory)") if u["mandatory"] else ""))
            for u in units]
        self.mandatory_units = [u["uuid"] for u in units if u["mandatory"]]
        if not self.is_bound:
            self.initial.setdefault("units", self.mandatory_units)

    def selected_framework(self) -> ReferenceItem | None:
        key = self.data.get(self.add_prefix("framework")) if self.is_bound else self.initial.get("framework")
        if isinstance(key, ReferenceItem):
            return key
        pk = as_pk(key) if key else None  # "?framework=²" passed isdigit() and failed in the query
        return None if pk is None else self.fields["framework"].queryset.filter(pk=pk).first()

    def clean_framework(self):
        framework = self.cleaned_data["framework"]
        warning = qan_warning(framework.data.get("qan", ""))
        if warning:
            self.warnings.append(warning)
        if self.learner is not None and Enrolment.objects.filter(learner=self.learner, framework=framework).exists():
            raise ValidationError(_("%(learner)s is already enrolled on this framework.") % {"learner": self.learner})
        return framework

    def clean_units(self):
        # Mandatory units go with every enrolment, ticked or not.
        return self.mandatory_units + [u for u in self.cleaned_data["units"] if u not in self.mandatory_units]


class BulkEnrolForm(EnrolForm):
    """One framework, trainers, company and dates for many learners; personal fields come from each learner."""

    PERSONAL = ("forename", "surname", "birth_date", "gender", "email", "uln", "ni_number", "job_title",
                "employee_reference", "employment_status", "awarding_body_registration", "address_line1",
                "address_line2", "town", "postcode")

    learners = ModelMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, learners_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.PERSONAL:
            del self.fields[name]
        self.fields["learners"].queryset = learners_queryset

    def clean_learners(self):
        learners = self.cleaned_data["learners"]
        if len(learners) > 500:
            raise ValidationError(_("Enrol at most 500 learners at once."))
        return learners


class EnrolmentUpdateForm(EnrolmentFieldsForm):
    """Fields UpdateEnrolment lacks are shown read-only."""

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        initial = {**enrolment.values, **kwargs.pop("initial", {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.enrolment = enrolment
        for name in la.NOT_UPDATABLE:
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Learning Assistant does not accept changes to this field "
                                                "after enrolment.")
