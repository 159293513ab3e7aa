"""Thin views over the event services: add, change and delete a course's events, and import them from CSV."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django_htmx.http import HttpResponseClientRefresh

from accreditation import events as services
from accreditation.event_forms import EventForm, EventImportConfirmForm, EventImportUploadForm
from accreditation.events import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from portal.models import Course, Event, Job
from portal.security import PermissionRequiredMixin

EVENT_FIELDS = EventForm.Meta.fields


class EventCreateView(PermissionRequiredMixin, FormView):
    permission_required = "portal.add_event"
    form_class = EventForm
    template_name = "accreditation/event_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.load(kwargs["pk"])

    def load(self, pk):
        self.course = get_object_or_404(Course.objects.select_related("template"), pk=pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "course": self.course}

    def form_valid(self, form):
        try:
            event = services.event_create(course=self.course, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Event %(event)s added; now give it its PE configuration.") % {"event": event})
        return redirect("event_accreditation", event.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.course, **kwargs)


class EventUpdateView(EventCreateView):
    permission_required = "portal.change_event"

    def load(self, pk):
        self.event = get_object_or_404(Event.objects.select_related("course__template"), pk=pk)
        self.course = self.event.course

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.event}

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in EVENT_FIELDS}
        try:
            services.event_update(event=Event.objects.get(pk=self.event.pk), data=data, user=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Event saved."))
        return redirect("event_accreditation", self.event.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.event, **kwargs)


class EventDeleteView(PermissionRequiredMixin, View):
    permission_required = "portal.delete_event"

    def get(self, request, pk):
        event = get_object_or_404(Event.objects.select_related("course"), pk=pk)
        return render(request, "accreditation/event_delete.html", {"event": event, "course": event.course})

    def post(self, request, pk):
        event = get_object_or_404(Event.objects.select_related("course"), pk=pk)
        try:
            services.event_delete(event=event)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("event_accreditation", pk)
        messages.success(request, _("Event %(event)s deleted.") % {"event": event})
        return redirect("course_accreditation", event.course_id)


# --- the CSV import ------------------------------------------------------------------------------------------
class EventImportUploadView(PermissionRequiredMixin, FormView):
    permission_required = "portal.add_event"
    form_class = EventImportUploadForm
    template_name = "accreditation/event_import_upload.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.course = get_object_or_404(Course.objects.select_related("template"), pk=kwargs["pk"])

    def post(self, request, *args, **kwargs):
        # A body far over the limit is refused before Django reads the file.
        if int(request.META.get("CONTENT_LENGTH") or 0) > 2 * IMPORT_MAX_BYTES:
            messages.error(request, _("The file is over the limit of %(limit)d KB.")
                           % {"limit": IMPORT_MAX_BYTES // 1024})
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            job = services.event_import_start(course=self.course, upload=form.cleaned_data["file"],
                                              user=self.request.user)
        except ValidationError as exc:
            form.add_error("file", exc)
            return self.form_invalid(form)
        return redirect("event_import_preview", job.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.course, max_kb=IMPORT_MAX_BYTES // 1024,
                                        max_rows=IMPORT_MAX_ROWS, **kwargs)


def _preview_job(pk) -> Job:
    return get_object_or_404(Job, pk=pk, kind="event_import_preview")


class EventImportPreviewView(PermissionRequiredMixin, View):
    """The checked rows, with their errors, and the confirmation; while the check runs, its progress."""

    permission_required = "portal.add_event"

    def get(self, request, pk):
        job = _preview_job(pk)
        if request.htmx and job.status == Job.SUCCEEDED:  # the checking page polled, and the rows are ready
            return HttpResponseClientRefresh()
        course = get_object_or_404(Course, pk=job.params["course_id"])
        import_job = Job.objects.filter(pk=job.params.get("import_job_id")).first()
        rows = job.result.get("rows", [])
        if request.GET.get("show") == "error":
            rows = [row for row in rows if row["errors"]]
        return render(request, "accreditation/event_import_preview.html", {
            "job": job, "course": course, "rows": rows, "counts": job.result.get("counts"),
            "show": request.GET.get("show", ""), "import_job": import_job, "confirm_form": EventImportConfirmForm()})


class EventImportConfirmView(PermissionRequiredMixin, View):
    permission_required = "portal.add_event"

    def post(self, request, pk):
        job = _preview_job(pk)
        form = EventImportConfirmForm(request.POST)
        form.is_valid()  # a lone optional checkbox: always valid
        try:
            services.event_import_confirm(preview=job, valid_only=form.cleaned_data["valid_only"], user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(reverse("event_import_preview", args=[pk]))
