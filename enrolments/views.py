"""Thin views over the enrolment services; a remote failure becomes a message on the page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from enrolments import selectors, services
from enrolments.chart import progress_chart
from enrolments.client import LearningAssistantRejected
from enrolments.filters import EnrolmentFilter, ReferenceItemFilter
from enrolments.forms import BulkEnrolForm, EnrolForm, EnrolmentUpdateForm, ReferenceChoiceField
from enrolments.models import Enrolment, ReferenceItem
from enrolments.tables import EnrolmentTable, LearnerPickTable, ReferenceItemTable
from portal.filters import LearnerFilter
from portal.formats import percent
from portal.http import RemoteError
from portal.models import Learner
from portal.pagination import PAGE_SIZES, PagedTableMixin
from portal.security import PermissionRequiredMixin
from portal.validators import as_pks
from portal.views import JobStartView



class BoundedTableMixin(PagedTableMixin):
    """A paged table (portal's one page-size rule) with the page-size choices and the configured flag."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(per_page_choices=PAGE_SIZES,
                                        configured=services.learning_assistant_configured(), **kwargs)


# --- reference data ------------------------------------------------------------------------------
class ReferenceDataView(PermissionRequiredMixin, BoundedTableMixin, FilterView):
    permission_required = "enrolments.view_referenceitem"
    model = ReferenceItem
    table_class = ReferenceItemTable
    filterset_class = ReferenceItemFilter
    template_name = "enrolments/reference.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(syncs=selectors.reference_syncs(), **kwargs)


class ReferenceSyncView(JobStartView):
    permission_required = "enrolments.sync_reference"

    def start(self, request):
        return services.reference_sync_start(user=request.user)

    def back_url(self):
        return reverse("enrolment_reference")


class AnswerCheckView(PermissionRequiredMixin, View):
    """Check the answers: every read-only operation once, shown per operation (values redacted), so a
    coordinator connecting the real service sees which assumed answer shape was wrong."""

    permission_required = "enrolments.sync_reference"

    def post(self, request):
        try:
            checks = services.answer_check()
        except RemoteError as exc:
            messages.error(request, exc.message)
            return redirect("enrolment_reference")
        return render(request, "enrolments/answer_check.html", {"checks": checks})


# --- enrolments ----------------------------------------------------------------------------------
class EnrolmentListView(PermissionRequiredMixin, BoundedTableMixin, FilterView):
    permission_required = "enrolments.view_enrolment"
    model = Enrolment
    table_class = EnrolmentTable
    filterset_class = EnrolmentFilter
    template_name = "enrolments/enrolment_list.html"

    def get_queryset(self):
        return selectors.enrolment_list()


class EnrolView(PermissionRequiredMixin, FormView):
    """Enrol one learner: prefilled from the portal's learner; Learning Assistant's issues are shown
    next to their fields and everything typed stays."""

    permission_required = "enrolments.add_enrolment"
    form_class = EnrolForm
    template_name = "enrolments/enrol.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.learner = get_object_or_404(Learner, pk=kwargs["pk"])

    def get_initial(self):
        return {**services.learner_values(learner=self.learner), "framework": self.request.GET.get("framework")}

    def get_template_names(self):
        # The framework select asks (htmx) for its units only.
        return ["enrolments/_units.html"] if self.request.htmx and self.request.method == "GET" else [
            self.template_name]

    def get_form(self, form_class=None):
        if self.request.htmx and self.request.method == "GET":
            return EnrolForm(initial={"framework": self.request.GET.get("framework")})
        return super().get_form(form_class)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units_url": self.request.path, "learner": self.learner}

    def get_context_data(self, **kwargs):
        return super().get_context_data(learner=self.learner, configured=services.learning_assistant_configured(),
                                        **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            enrolment, enrolled = services.enrolment_enrol(
                learner=self.learner, framework=data["framework"], values=form.values(), unit_uuids=data["units"],
                send_login_details=data["send_login_details"], assign_evaluation=data["assign_evaluation"],
                user=self.request.user)
        except LearningAssistantRejected as exc:
            form.add_issues(exc.issues)
            messages.error(self.request, _("Learning Assistant did not accept the enrolment: see the marked fields."))
            return self.form_invalid(form)
        except RemoteError as exc:
            messages.error(self.request, exc.message)
            return self.form_invalid(form)
        for warning in form.warnings:
            messages.warning(self.request, warning)
        messages.success(self.request, (
            _("%(learner)s is enrolled on %(framework)s.") if enrolled else
            _("Learning Assistant had %(learner)s on %(framework)s already (an earlier attempt whose answer was "
              "lost): linked, not enrolled twice.")) % {"learner": self.learner, "framework": enrolment.framework})
        return redirect(enrolment)


class EnrolmentDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "enrolments.view_enrolment"
    template_name = "enrolments/enrolment_detail.html"
    context_object_name = "enrolment"

    def get_object(self, queryset=None):
        return get_object_or_404(selectors.enrolment_list(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        enrolment = self.object
        names = {}
        for list_name, field in ((ReferenceItem.COMPANIES, "company_uuid"),
                                 (ReferenceItem.TRAINERS, "primary_assessor_uuid"),
                                 (ReferenceItem.TRAINERS, "primary_verifier_uuid")):
            key = enrolment.values.get(field, "")
            names[field] = selectors.reference_names(list_name=list_name, keys=[key]).get(key, key)
        return super().get_context_data(
            learner=enrolment.learner, names=names, chart=progress_chart(selectors.progress_points(enrolment=enrolment)),
            configured=services.learning_assistant_configured(), **kwargs)


class EnrolmentProgressView(PermissionRequiredMixin, View):
    """Pull progress now: GetProgressFull, so the page shows outcomes too."""

    permission_required = "enrolments.view_enrolment"

    def post(self, request, pk):
        enrolment = get_object_or_404(selectors.enrolment_list(), pk=pk)
        try:
            services.enrolment_progress_pull(enrolment=enrolment, full=True)
        except RemoteError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Progress pulled from Learning Assistant: %(progress)s.")
                             % {"progress": percent(enrolment.progress)})
        return redirect(enrolment)


class EnrolmentUpdateView(PermissionRequiredMixin, FormView):
    """Edit, see exactly what will be sent (changed fields plus identifiers), then send."""

    permission_required = "enrolments.change_enrolment"
    form_class = EnrolmentUpdateForm
    template_name = "enrolments/update.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.enrolment = get_object_or_404(selectors.enrolment_list(), pk=kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "enrolment": self.enrolment}

    def get_context_data(self, **kwargs):
        return super().get_context_data(enrolment=self.enrolment, learner=self.enrolment.learner, **kwargs)

    def form_valid(self, form):
        changes = services.enrolment_changes(enrolment=self.enrolment, values=form.values())
        if not changes:
            messages.info(self.request, _("Nothing changed: nothing sent."))
            return redirect(self.enrolment)
        if "confirm" not in self.request.POST:
            return self.render_to_response(self.get_context_data(form=form, preview=self._preview(form, changes)))
        try:
            services.enrolment_update(enrolment=self.enrolment, values=form.values())
        except LearningAssistantRejected as exc:
            form.add_issues(exc.issues)
            return self.form_invalid(form)
        except RemoteError as exc:
            messages.error(self.request, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Enrolment changed in Learning Assistant."))
        return redirect(self.enrolment)

    def _preview(self, form, changes: dict) -> list[dict]:
        rows = []
        for name, after in changes.items():
            before, field = self.enrolment.values.get(name, ""), form.fields[name]
            if isinstance(field, ReferenceChoiceField):  # names, as the form shows them; the key when unknown
                names = selectors.reference_names(list_name=field.list_name, keys=[before, after])
                before, after = names.get(before, before), names.get(after, after)
            rows.append({"label": field.label, "before": before, "after": after})
        return rows


TICKED_LIMIT = 1000  # ticks carried along a filter or a page; the form itself refuses more than 500


class BulkEnrolView(PermissionRequiredMixin, BoundedTableMixin, FilterView):
    """Tick learners, pick a framework, trainers, company and dates: a job enrols them one by one."""

    permission_required = "enrolments.add_enrolment"
    model = Learner
    table_class = LearnerPickTable
    filterset_class = LearnerFilter  # the learner list's search
    template_name = "enrolments/bulk.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # The learners ticked so far: sent along when the table is filtered or paged, or with a form sent back.
        sent = (request.POST if request.method == "POST" else request.GET).getlist("learners")
        self.ticked = as_pks(sent, limit=TICKED_LIMIT)
        # They go along as boxes and hidden inputs; the paging and sorting links, built from the address,
        # must not carry them too, or a box unticked since would come back ticked.
        request.GET = request.GET.copy()
        request.GET.pop("learners", None)

    def get_template_names(self):
        # The framework select asks (htmx) for its units only; the learner filter (htmx) for the whole page.
        units = self.request.htmx and self.request.htmx.target == "units-field"
        return ["enrolments/_units.html"] if units else [self.template_name]

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "ticked": self.ticked}

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or BulkEnrolForm(
            learners_queryset=Learner.objects.all(), initial={"framework": self.request.GET.get("framework")},
            units_url=self.request.path)
        context = super().get_context_data(form=form, **kwargs)
        shown = {row.record.pk for row in context["table"].page.object_list}
        return {**context, "ticked_elsewhere": sorted(self.ticked - shown)}

    def post(self, request):
        form = BulkEnrolForm(request.POST, learners_queryset=Learner.objects.all(), units_url=request.path)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = services.enrolments_bulk_start(
                    learners=list(data["learners"]), framework=data["framework"], values=form.values(),
                    unit_uuids=data["units"], send_login_details=data["send_login_details"],
                    assign_evaluation=data["assign_evaluation"], user=request.user)
            except RemoteError as exc:
                messages.error(request, exc.message)
            else:
                return redirect(job)
        self.object_list = self.get_queryset()
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.object_list = self.filterset.qs
        return self.render_to_response(self.get_context_data(form=form, filter=self.filterset), status=400)
