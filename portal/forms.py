from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from portal.models import Learner, Profile
from portal.pe_numbers import parse_custom1
from portal.validators import BIRTH, TextRulesMixin, as_pk, date_validator, validate_external_id
from portal.widgets import DateInput


# Django's model choice fields pass a posted key to the database as it is: a 30-digit one overflows
# (OverflowError on SQLite, DataError on PostgreSQL: a 500). These refuse it as a choice that does not exist.
def _odd_key(field, value) -> bool:
    return field.to_field_name is None and not isinstance(value, models.Model) and as_pk(value) is None


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and _odd_key(self, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else ():
            if _odd_key(self, pk):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)


class LearnerForm(TextRulesMixin, forms.ModelForm):
    class Meta:
        model = Learner
        fields = [
            "first_name", "middle_name", "last_name", "initials", "gender", "title", "email", "date_of_birth",
            "external_id", "login", "uid", "custom1", "company", "function", "telephone_number",
            "cell_phone_number", "address", "zip", "residence", "country", "active",
        ]
        # Django capitalises labels: "aNewSpring UID" would read "ANewSpring UID".
        labels = {"uid": _("UID in aNewSpring")}
        widgets = {
            "date_of_birth": DateInput(),
            # Explained live below the field while the coordinator types (htmx).
            "custom1": forms.TextInput(attrs={
                "hx-get": reverse_lazy("learner_custom1_explain"), "hx-trigger": "input changed delay:300ms, load",
                "hx-target": "#custom1-explained", "hx-swap": "innerHTML"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.custom1_warnings: list[str] = []
        default_org = settings.PE_ONLINE_ORG_ID
        self.fields["custom1"].help_text = (
            _("OrgID/number pairs separated by commas, e.g. 19/39054148101, 52/123456. "
              "A bare number is read as OrgID %(org)s.") % {"org": default_org}
            if default_org else self.fields["custom1"].help_text
        )
        self.fields["date_of_birth"].validators.append(date_validator(BIRTH))
        external_id = self.fields["external_id"]
        if self.instance.uid:
            external_id.disabled = True
            external_id.help_text = _("aNewSpring knows this learner by this ID, so it cannot be changed here.")
        else:
            external_id.help_text = _("The learner's user ID in aNewSpring. Leave it empty and the portal makes "
                                      "one up (PORTAL-…); the login is never used in its place.")

    def clean_external_id(self) -> str | None:
        external_id = self.cleaned_data["external_id"]
        if external_id and not self.fields["external_id"].disabled:
            validate_external_id(external_id)
        return external_id

    def clean_custom1(self) -> str:
        parsed = parse_custom1(self.cleaned_data["custom1"], default_org_id=settings.PE_ONLINE_ORG_ID)
        if parsed.errors:
            raise forms.ValidationError(parsed.errors)
        self.custom1_warnings = parsed.warnings
        return parsed.normalized


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["language", "digest", "immediate"]
