from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView
from django_tables2 import SingleTableMixin

from portal.imports import selectors, services
from portal.imports.forms import ImportConfirmForm, ImportUploadForm
from portal.imports.models import LearnerImport, LearnerImportRow
from portal.imports.parsing import ImportFileError
from portal.imports.tables import LearnerImportRowTable
from subscriptions.services.common import anewspring_configured


class ImportUploadView(PermissionRequiredMixin, FormView):
    permission_required = "portal.add_learnerimport"
    form_class = ImportUploadForm
    template_name = "imports/upload.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
                                         anewspring_configured=anewspring_configured(), **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            learner_import = services.learner_import_preview(
                data=upload.read(), file_name=upload.name, user=self.request.user,
                update_existing=form.cleaned_data["existing"] == ImportUploadForm.UPDATE,
                push_to_anewspring=form.cleaned_data.get("push_to_anewspring", False),
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return redirect(learner_import)


class _ImportPageView(PermissionRequiredMixin, SingleTableMixin, DetailView):
    """An import with its rows; the preview before confirmation, the detail page after it."""

    permission_required = "portal.view_learnerimport"
    model = LearnerImport
    context_object_name = "learner_import"
    table_class = LearnerImportRowTable
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return LearnerImport.objects.select_related("created_by", "job", "push_job")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.path != self.object.get_absolute_url():
            return redirect(self.object)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_table_data(self):
        return selectors.import_rows(learner_import=self.object, show=self.request.GET.get("show", ""))

    def get_context_data(self, **kwargs):
        counts = self.object.counts
        filters = [("", _("All rows"), counts["total"])]
        filters += [(action, label, counts[action]) for action, label in LearnerImportRow.ACTION_CHOICES
                    if counts[action]]
        if counts[selectors.WARNING]:
            filters.append((selectors.WARNING, _("with warnings"), counts[selectors.WARNING]))
        return super().get_context_data(filters=filters, show=self.request.GET.get("show", ""), **kwargs)


class ImportPreviewView(_ImportPageView):
    template_name = "imports/preview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(confirm_form=ImportConfirmForm(), **kwargs)


class ImportDetailView(_ImportPageView):
    template_name = "imports/detail.html"


class ImportConfirmView(PermissionRequiredMixin, View):
    permission_required = "portal.add_learnerimport"

    def post(self, request, pk):
        learner_import = get_object_or_404(LearnerImport, pk=pk)
        form = ImportConfirmForm(request.POST)
        form.is_valid()  # a lone optional checkbox: always valid
        try:
            learner_import = services.learner_import_confirm(
                learner_import=learner_import, valid_only=form.cleaned_data["valid_only"], user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(learner_import)
