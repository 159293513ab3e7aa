from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView

from portal import selectors, services, worklist
from portal.filters import AuditEventFilter, JobFilter, LearnerFilter
from portal.forms import LearnerForm, ProfileForm
from portal.http import RemoteError
from portal.integrations import integration_get, integrations, learner_panels
from portal.jobs import job_result_template
from portal.models import AuditEvent, Job, Learner, Profile
from portal.pagination import (
    PAGE_SIZES, KeysetTableMixin, KeysFirstData, MatchesFirstData, PagedTableMixin, page_of)
from portal.pe_numbers import parse_custom1
from portal.security import PermissionRequiredMixin
from portal.spreadsheet import export_separator
from portal.tables import AuditEventTable, JobTable, LearnerTable


@method_decorator([login_not_required, never_cache], name="dispatch")
class HealthView(View):
    """For the load balancer: no login, no data, only whether the database and the broker answer."""

    http_method_names = ["get", "head"]

    def get(self, request):
        checks = selectors.health_check()
        healthy = all(status in {"ok", "not configured"} for status in checks.values())
        return JsonResponse(checks, status=200 if healthy else 503)


class DashboardView(TemplateView):
    template_name = "portal/dashboard.html"

    def get(self, request, *args, **kwargs):
        if not request.user.get_all_permissions():  # no role yet (a superuser has every permission)
            return render(request, "portal/no_access.html")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts=selectors.dashboard_counts(),
            integrations=selectors.integration_statuses(),
            latest_events=selectors.audit_latest() if self.request.user.has_perm("portal.view_auditevent") else [],
            worklist=worklist.worklist(user=self.request.user),
            verification=(selectors.audit_last_verification()
                          if self.request.user.has_perm("portal.view_auditevent") else None),
            **kwargs,
        )


class WorklistView(TemplateView):
    """What needs the coordinator's attention: counts (each entry shown to whom may open its list)."""

    template_name = "portal/worklist.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(worklist=worklist.worklist(user=self.request.user), **kwargs)


class WorklistBadgeView(WorklistView):
    """The menu's count, fetched by htmx after the page loaded: no page pays for the counts."""

    template_name = "portal/_worklist_badge.html"


class IntegrationConnectionTestView(PermissionRequiredMixin, View):
    """The dashboard's **Test connection** button: one harmless call, the verdict as a message."""

    permission_required = "portal.view_auditevent"

    def post(self, request, name):
        if name not in {integration.name for integration in integrations()}:
            raise Http404
        check = services.integration_connection_test(name=name)
        label = integration_get(name).label
        if check.ok:
            messages.success(request, _("%(system)s: %(message)s") % {"system": label, "message": check.message})
        else:
            messages.error(request, _("%(system)s: the connection test failed: %(message)s")
                           % {"system": label, "message": check.message})
        return redirect("dashboard")


class LearnerListView(PermissionRequiredMixin, PagedTableMixin, FilterView):
    permission_required = "portal.view_learner"
    model = Learner
    table_class = LearnerTable
    filterset_class = LearnerFilter
    template_name = "portal/learner_list.html"

    @property
    def table_data_class(self):
        return MatchesFirstData if self.request.GET.get("q", "").strip() else KeysFirstData


class LearnerDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "portal.view_learner"
    model = Learner
    template_name = "portal/learner_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            registrations=self.object.pe_registrations.all(),
            timeline=selectors.learner_timeline(learner=self.object),
            panels=learner_panels(learner=self.object, user=self.request.user),
            **kwargs,
        )


class CreateOrEditView(PermissionRequiredMixin, FormView):
    """The one create/edit pattern: the URL without ``pk`` creates a ``model``, with ``pk`` edits it
    (``self.object``, None when creating). It needs the model's add or change permission; the
    subclass's ``form_valid`` saves through a service, which audits."""

    model: type
    context_object_name: str

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(self.model, pk=kwargs["pk"]) if "pk" in kwargs else None

    def get_permission_required(self):
        opts = self.model._meta
        return [f"{opts.app_label}.{'change' if self.object else 'add'}_{opts.model_name}"]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{self.context_object_name: self.object}, **kwargs)


class LearnerFormView(CreateOrEditView):
    """Create or edit a learner through the learner services."""

    model = Learner
    context_object_name = "learner"
    form_class = LearnerForm
    template_name = "portal/learner_form.html"

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if self.object:
                learner, warnings = services.learner_update(learner=self.object, data=data)
                messages.success(self.request, _("Learner %(name)s saved.") % {"name": learner.full_name})
            else:
                learner, warnings = services.learner_create(data=data)
                messages.success(self.request, _("Learner %(name)s created.") % {"name": learner.full_name})
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        for warning in warnings:
            messages.warning(self.request, warning)
        return redirect(learner)


class Custom1ExplainView(PermissionRequiredMixin, TemplateView):
    """The learner form's live explanation of a Custom1 value (htmx, while the coordinator types)."""

    permission_required = "portal.view_learner"
    template_name = "portal/_custom1_explained.html"

    def get_context_data(self, **kwargs):
        value = self.request.GET.get("custom1", "")
        return super().get_context_data(
            value=value, parsed=parse_custom1(value, default_org_id=settings.PE_ONLINE_ORG_ID), **kwargs)


class AuditListView(PermissionRequiredMixin, KeysetTableMixin, FilterView):
    """Newest first, older and newer by keyset: any event of millions is a few clicks (or a date filter)
    away, and every page costs the same."""

    permission_required = "portal.view_auditevent"
    model = AuditEvent
    table_class = AuditEventTable
    filterset_class = AuditEventFilter
    template_name = "portal/audit_list.html"

    def get_queryset(self):
        # What a row does not show stays in the database: an import's events carry every field changed.
        return AuditEvent.objects.select_related("learner", "course").defer(
            "changes", "request_summary", "response_summary", "previous_hash", "hash")


class AuditDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "portal.view_auditevent"
    model = AuditEvent
    template_name = "portal/audit_detail.html"


class AuditExportView(PermissionRequiredMixin, View):
    """The filtered audit log as CSV: UTF-8 with BOM (Excel reads it right) and formula-safe cells."""

    permission_required = "portal.view_auditevent"

    def get(self, request):
        events = AuditEventFilter(request.GET, queryset=AuditEvent.objects.select_related("learner", "course")).qs
        lines = selectors.audit_export_lines(events=events, separator=export_separator(request))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response


class JobStartView(PermissionRequiredMixin, View):
    """A button that starts a service's job and opens the job's page. When the remote system cannot be
    used (not configured, or it refused), the message is shown on the page the button is on."""

    def start(self, request, **kwargs) -> Job:
        raise NotImplementedError

    def back_url(self, **kwargs) -> str:
        raise NotImplementedError

    def post(self, request, **kwargs):
        try:
            job = self.start(request, **kwargs)
        except RemoteError as exc:
            messages.error(request, exc.message)
            return redirect(self.back_url(**kwargs))
        return redirect(job)


class JobListView(PermissionRequiredMixin, PagedTableMixin, FilterView):
    """Every background job, newest first, a page at a time."""

    permission_required = "portal.view_job"
    model = Job
    table_class = JobTable
    filterset_class = JobFilter
    template_name = "portal/job_list.html"

    def get_queryset(self):
        return Job.objects.select_related("created_by").defer("params", "result").order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(per_page_choices=PAGE_SIZES, **kwargs)


class JobDetailView(PermissionRequiredMixin, DetailView):
    """A background job's progress; htmx polls the same URL for the progress fragment."""

    permission_required = "portal.view_job"
    model = Job

    def get_template_names(self):
        return ["portal/job_progress.html"] if self.request.htmx else ["portal/job_detail.html"]

    def get_context_data(self, **kwargs):
        # A job kind may show more of its result than the summary: per-learner outcomes, a page at a time.
        outcomes = page_of(self.request, self.object.result.get("outcomes", []), default=50)
        return super().get_context_data(result_template=job_result_template(self.object.kind), outcomes=outcomes,
                                        **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_change_record(user=form.user)
        return response


class ProfileView(FormView):
    """Any signed-in user's own settings: which mails they get, and in which language."""

    form_class = ProfileForm
    template_name = "portal/profile.html"

    def get_form_kwargs(self):
        # Until first saved, the language offered is the one the user reads the portal in.
        profile = Profile.objects.filter(user=self.request.user).first() or Profile(language=get_language())
        return {**super().get_form_kwargs(), "instance": profile}

    def form_valid(self, form):
        services.profile_update(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Your profile was saved."))
        return redirect("profile")
