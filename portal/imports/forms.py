from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.imports.parsing import ImportFileError, check_size
from portal.integrations import import_hooks


def _push_to_field(**options) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("After the import"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("A job per system ticked then sends each new or changed learner there."), **options)


def _push_choices(form: forms.Form) -> None:
    """One checkbox per configured system that takes imported learners; none, no field."""
    choices = [(integration.name, integration.learners_imported_label) for integration in import_hooks()]
    if choices:
        form.fields["push_to"].choices = choices
    else:
        del form.fields["push_to"]


class ImportUploadForm(forms.Form):
    UPDATE, SKIP = "update", "skip"

    # An empty file gets the parser's message, like every other bad file.
    file = forms.FileField(label=_("CSV file"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
    existing = forms.ChoiceField(
        label=_("Learners that already exist"),
        choices=[(UPDATE, _("Update them with the values in the file")), (SKIP, _("Leave them as they are"))],
        initial=UPDATE,
        widget=forms.RadioSelect,
    )
    push_to = _push_to_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _push_choices(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class ImportConfirmForm(forms.Form):
    valid_only = forms.BooleanField(
        label=_("Import the valid rows only"),
        required=False,
        help_text=_("Rows with errors are left out; you can import them later from a corrected file."),
    )
    push_to = _push_to_field()
    # Sent with the checkboxes: a form without it (no system offered then) leaves the upload's choice alone.
    push_offered = forms.BooleanField(required=False, initial=True, widget=forms.HiddenInput)

    def __init__(self, *args, learner_import, **kwargs):
        super().__init__(*args, initial={"push_to": learner_import.push_to}, **kwargs)
        _push_choices(self)

    def chosen_push_to(self) -> list[str] | None:
        """The systems ticked, or None where the form offered no choice."""
        if "push_to" not in self.fields or not self.cleaned_data.get("push_offered"):
            return None
        return self.cleaned_data.get("push_to", [])
