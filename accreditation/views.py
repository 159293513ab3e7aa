"""Thin views over the accreditation services and selectors."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from accreditation import charts, selectors, services
from accreditation.filters import AwardFilter, TemplateFilter
from accreditation.forms import (
    CertificateAccreditationForm, CourseAccreditationForm, EventAccreditationForm, TemplateAccreditationForm)
from accreditation.models import (
    Award, AwardBasis, CertificateAccreditation, CourseAccreditation, EventAccreditation, TemplateAccreditation)
from accreditation.tables import AwardTable, TemplateTable
from portal.models import Activity, Course, Event, Template
from portal.pagination import PAGE_SIZES, PagedTableMixin
from portal.security import PermissionRequiredMixin
from portal.spreadsheet import export_separator
from portal.views import JobStartView

RELATED_LIMIT = 50


# --- awards -----------------------------------------------------------------------------------------------
class AwardListView(PermissionRequiredMixin, PagedTableMixin, FilterView):
    permission_required = "accreditation.view_award"
    model = Award
    table_class = AwardTable
    filterset_class = AwardFilter
    template_name = "accreditation/award_list.html"

    def get_queryset(self):
        return selectors.awards_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.award_status_counts(self.filterset.qs)
        return {**context, "status_counts": [(s, label, counts[s]) for s, label in Award.STATUS_CHOICES],
                "chart": charts.weekly_status_chart(selectors.awards_per_week()),
                "per_page_choices": PAGE_SIZES, "pe_online_configured": services.pe_online_configured()}


class AwardExportView(PermissionRequiredMixin, View):
    """The filtered awards as CSV, streamed (as the audit log's export)."""

    permission_required = "accreditation.view_award"

    def get(self, request):
        awards = AwardFilter(request.GET, queryset=Award.objects.all()).qs
        lines = selectors.awards_export_lines(awards=awards, separator=export_separator(request))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="pe-awards-{stamp}.csv"'
        return response


class AwardDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "accreditation.view_award"
    model = Award
    template_name = "accreditation/award_detail.html"

    def get_queryset(self):
        return selectors.awards_list().select_related("event")

    def get_context_data(self, **kwargs):
        return super().get_context_data(resendable=self.object.status in services.RESENDABLE,
                                        superseded=self.object.status == Award.SUPERSEDED, **kwargs)


class AwardResendView(PermissionRequiredMixin, View):
    permission_required = "accreditation.submit_award"

    def post(self, request, pk):
        award = get_object_or_404(Award, pk=pk)
        try:
            services.award_resend(award=award)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The award is due again; it goes with the next submission."))
        return redirect(award)


class AwardsResendView(PermissionRequiredMixin, View):
    """Bulk: the rejected, failed and unknown awards the list's filters select (at most 1,000 per click),
    after a confirmation page that says how many."""

    permission_required = "accreditation.submit_award"

    def get(self, request):
        awards = AwardFilter(request.GET, queryset=Award.objects.all()).qs
        # As awards_resend picks them; counted no further than one click resends.
        count = (awards.filter(status__in=services.RESENDABLE).exclude(person_number="").order_by()
                 [:services.RESEND_LIMIT].count())
        return render(request, "accreditation/awards_resend_confirm.html",
                      {"count": count, "limit": services.RESEND_LIMIT, "query": request.GET.urlencode()})

    def post(self, request):
        awards = AwardFilter(request.GET, queryset=Award.objects.all()).qs
        count = services.awards_resend(awards=awards)
        messages.success(request, ngettext("%(count)d award is due again.", "%(count)d awards are due again.", count)
                         % {"count": count})
        return redirect(f"{reverse('award_list')}?{request.GET.urlencode()}")


class AwardResendUnderNewIdsView(PermissionRequiredMixin, View):
    permission_required = "accreditation.submit_award"

    def post(self, request, pk):
        award = get_object_or_404(Award, pk=pk)
        try:
            made = services.award_resend_under_new_ids(award=award)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            _resent_message(request, made)
        return redirect(award)


class TemplateResendUnderNewIdsView(PermissionRequiredMixin, View):
    """Bulk: the template's awards accepted under earlier PE IDs (at most 1,000 per click)."""

    permission_required = "accreditation.submit_award"

    def post(self, request, pk):
        template = get_object_or_404(Template, pk=pk)
        made = services.awards_resend_under_new_ids(awards=Award.objects.filter(activity__template=template))
        _resent_message(request, made)
        return redirect("template_accreditation", pk=template.pk)


def _resent_message(request, made: int) -> None:
    if made:
        messages.success(request, ngettext("%(count)s award made under the new PE IDs; it goes with the next "
                                           "submission.", "%(count)s awards made under the new PE IDs; they go "
                                           "with the next submission.", made) % {"count": made})
    else:
        messages.warning(request, _("Nothing to resend: the current configuration awards nothing for these "
                                    "results, or they were resent already."))


class AwardsSubmitView(JobStartView):
    permission_required = "accreditation.submit_award"

    def start(self, request):
        return services.awards_submit_start(user=request.user)

    def back_url(self):
        return reverse("award_list")


# --- configuration ------------------------------------------------------------------------------------------
class ConfigurationView(PermissionRequiredMixin, FormView):
    """One PE configuration form; subclasses name the object and the service that saves it."""

    permission_required = "accreditation.change_templateaccreditation"
    template_name = "accreditation/configuration.html"
    model = None
    config_model = None
    config_field = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(self.model, pk=kwargs["pk"])
        self.config = (self.config_model.objects.filter(**{self.config_field: self.object}).first()
                       or self.config_model(**{self.config_field: self.object}))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.config}

    def form_valid(self, form):
        """First a preview of what the change does to the existing awards; saved only once confirmed."""
        data = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}
        if isinstance(form, EventAccreditationForm):
            data["pe_meeting_ids"] = data.pop("meetings")
        if not self.request.POST.get("confirm"):
            change = services.configuration_preview(self.config, data)
            return self.render_to_response(self.get_context_data(form=form, change=change))
        try:
            self.save(data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(request=self.request, message=_("PE configuration saved; the award rules run again over "
                                                         "the stored results."))
        return redirect(self.request.path)

    def get_context_data(self, **kwargs):
        if "settling" not in kwargs:
            kwargs["settling"] = selectors.awards_settling(template=selectors.configuration_template(self.config))
        return super().get_context_data(object=self.object, config=self.config, **kwargs)


class TemplateConfigurationView(ConfigurationView):
    model, config_model, config_field = Template, TemplateAccreditation, "template"
    form_class = TemplateAccreditationForm
    template_name = "accreditation/template_configuration.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "template": self.object}

    def save(self, data):
        services.template_accreditation_save(template=self.object, data=data, user=self.request.user)

    def get_context_data(self, **kwargs):
        template = self.object
        awards = selectors.template_awards(template=template)
        over_cap = selectors.events_over_meeting_cap(template=template)
        return super().get_context_data(
            over_cap_events=over_cap[:RELATED_LIMIT], over_cap_count=over_cap.count(),
            courses=template.courses.select_related("accreditation")[:RELATED_LIMIT],
            course_count=template.courses.count(),
            certificates=template.activities.filter(type="Certificate").select_related("accreditation")[:RELATED_LIMIT],
            events=Event.objects.filter(course__template=template).select_related("course", "accreditation")[:RELATED_LIMIT],
            related_limit=RELATED_LIMIT, superseded=awards.superseded, settling=awards.settling,
            basis_counts=awards.per_basis, **kwargs)


class CourseConfigurationView(ConfigurationView):
    model, config_model, config_field = Course, CourseAccreditation, "course"
    form_class = CourseAccreditationForm
    template_name = "accreditation/course_configuration.html"

    def save(self, data):
        services.course_accreditation_save(course=self.object, data=data, user=self.request.user)

    def get_context_data(self, **kwargs):
        events = selectors.course_events(self.object)
        return super().get_context_data(events=events[:RELATED_LIMIT], event_count=events.count(),
                                        related_limit=RELATED_LIMIT, meeting_cap=settings.PE_ONLINE_MAX_MEETING_IDS,
                                        **kwargs)


class CertificateConfigurationView(ConfigurationView):
    model, config_model, config_field = Activity, CertificateAccreditation, "activity"
    form_class = CertificateAccreditationForm

    def get_form_kwargs(self):
        template_config = TemplateAccreditation.objects.filter(template_id=self.object.template_id).first()
        return {**super().get_form_kwargs(), "template_config": template_config}

    def save(self, data):
        services.certificate_accreditation_save(activity=self.object, data=data, user=self.request.user)


class EventConfigurationView(ConfigurationView):
    model, config_model, config_field = Event, EventAccreditation, "event"
    form_class = EventAccreditationForm
    template_name = "accreditation/event_configuration.html"

    def save(self, data):
        services.event_accreditation_save(event=self.object, data=data, user=self.request.user)

    def get_context_data(self, **kwargs):
        template_config = TemplateAccreditation.objects.filter(template_id=self.object.activity.template_id).first()
        per_event = template_config is not None and template_config.basis == AwardBasis.EVENT
        return super().get_context_data(basis_note=None if per_event else _(
            "Events earn awards only when the template's award basis is a positive assessment on an event; "
            "saved here, these IDs wait until it is."), meeting_cap=settings.PE_ONLINE_MAX_MEETING_IDS, **kwargs)


class TemplateChoiceView(PermissionRequiredMixin, PagedTableMixin, FilterView):
    """Templates to configure, searchable and paged (there may be many)."""

    permission_required = "accreditation.change_templateaccreditation"
    template_name = "accreditation/template_list.html"

    filterset_class = TemplateFilter
    table_class = TemplateTable

    def get_queryset(self):
        return Template.objects.select_related("accreditation").order_by("name")
