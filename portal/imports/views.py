import re
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView
from django_htmx.http import HttpResponseClientRefresh

from portal.imports import selectors, services
from portal.imports.forms import ImportConfirmForm, ImportUploadForm
from portal.imports.models import LearnerImport, LearnerImportRow
from portal.imports.parsing import ImportFileError, check_size
from portal.imports.tables import LearnerImportRowTable, LearnerImportTable
from portal.integrations import import_hooks, integrations
from portal.pagination import PAGE_SIZES, PagedTableMixin
from portal.security import PermissionRequiredMixin


# The bytes of a multipart upload besides the file itself (boundaries, other fields), with room to spare.
UPLOAD_FORM_OVERHEAD = 64 * 1024


class ImportUploadView(PermissionRequiredMixin, FormView):
    permission_required = "portal.add_learnerimport"
    form_class = ImportUploadForm
    template_name = "imports/upload.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
                                         import_hooks=import_hooks(), **kwargs)

    def post(self, request, *args, **kwargs):
        # A body far over the limit is refused before Django receives the file (onto disk) at all.
        body_size = int(request.META.get("CONTENT_LENGTH") or 0)
        if body_size > settings.IMPORT_MAX_UPLOAD_BYTES + UPLOAD_FORM_OVERHEAD:
            try:
                check_size(body_size, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES)
            except ImportFileError as exc:
                messages.error(request, str(exc))
            return redirect("import_upload")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        learner_import = services.learner_import_upload(
            upload=form.cleaned_data["file"], user=self.request.user,
            update_existing=form.cleaned_data["existing"] == ImportUploadForm.UPDATE,
            push_to=form.cleaned_data.get("push_to", []),
        )
        return redirect(learner_import)


class ImportListView(PermissionRequiredMixin, PagedTableMixin, ListView):
    """The imports so far, newest first, confirmed or not, a page at a time."""

    permission_required = "portal.view_learnerimport"
    table_class = LearnerImportTable
    template_name = "imports/list.html"

    def get_queryset(self):
        return selectors.import_list()

    def get_context_data(self, **kwargs):
        return super().get_context_data(per_page_choices=PAGE_SIZES, **kwargs)


class _ImportPageView(PermissionRequiredMixin, PagedTableMixin, DetailView):
    """An import with its rows; the preview before confirmation, the detail page after it."""

    permission_required = "portal.view_learnerimport"
    model = LearnerImport
    context_object_name = "learner_import"
    table_class = LearnerImportRowTable
    paginate_by = 50

    def get_queryset(self):
        return LearnerImport.objects.select_related("created_by", "preview_job", "job").prefetch_related("push_jobs")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.path != self.object.get_absolute_url():
            return redirect(self.object)
        if not self.object.previewed_at:  # the preview job is still reading the file, or failed
            return render(request, "imports/checking.html", {"learner_import": self.object,
                                                             "job": self.object.preview_job})
        if request.htmx:  # the checking page polled, and the preview is ready: show it
            return HttpResponseClientRefresh()
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
        labels = {integration.name: integration.label for integration in integrations()}
        return super().get_context_data(filters=filters, show=self.request.GET.get("show", ""),
                                        push_systems=[labels.get(name, name) for name in self.object.push_to],
                                        **kwargs)


class ImportPreviewView(_ImportPageView):
    template_name = "imports/preview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(confirm_form=ImportConfirmForm(learner_import=self.object), **kwargs)


class ImportDetailView(_ImportPageView):
    template_name = "imports/detail.html"

    def get_context_data(self, **kwargs):
        import_job, push_jobs = self.object.job, list(self.object.push_jobs.all())
        pending = (import_job and not import_job.finished) or any(not job.finished for job in push_jobs)
        return super().get_context_data(push_jobs=push_jobs, push_pending=pending, **kwargs)


class ImportConfirmView(PermissionRequiredMixin, View):
    permission_required = "portal.add_learnerimport"

    def post(self, request, pk):
        learner_import = get_object_or_404(LearnerImport, pk=pk)
        form = ImportConfirmForm(request.POST, learner_import=learner_import)
        form.is_valid()  # optional fields; a forged system is left out, as at the upload
        try:
            learner_import = services.learner_import_confirm(
                learner_import=learner_import, valid_only=form.cleaned_data["valid_only"],
                push_to=form.chosen_push_to(), user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(learner_import)


class ImportErrorsView(PermissionRequiredMixin, View):
    """The rows with errors as a CSV file, streamed, to correct in a spreadsheet and upload again."""

    permission_required = "portal.view_learnerimport"

    def get(self, request, pk):
        learner_import = get_object_or_404(LearnerImport, pk=pk, previewed_at__isnull=False)
        response = StreamingHttpResponse(selectors.import_error_lines(learner_import=learner_import),
                                         content_type="text/csv; charset=utf-8")
        stem = re.sub(r"[^\w.-]+", "_", PurePath(learner_import.file_name).stem, flags=re.ASCII)
        response["Content-Disposition"] = f'attachment; filename="{stem}-errors.csv"'
        return response
