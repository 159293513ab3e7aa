from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.imports.parsing import ImportFileError, check_size
from subscriptions.services.common import anewspring_configured


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
    push_to_anewspring = forms.BooleanField(
        label=_("Also create or update these learners in aNewSpring"),
        required=False,
        help_text=_("After the import, a second job sends each new or changed learner to aNewSpring, "
                    "with their PE numbers (Custom1)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not anewspring_configured():
            del self.fields["push_to_anewspring"]

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
