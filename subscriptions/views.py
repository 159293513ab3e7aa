"""Thin views over the subscription services; every remote failure becomes a message on the page."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView

from portal.formats import percent
from portal.models import Job, Learner
from portal.pagination import PAGE_SIZES, PagedTableMixin, page_of
from portal.security import PermissionRequiredMixin
from portal.spreadsheet import export_separator
from portal.views import CreateOrEditView, JobStartView
from portal.validators import as_pks
from subscriptions import selectors, webhooks
from subscriptions.client import AnewspringError
from subscriptions.filters import LearnerFilter, SubscriptionFilter
from subscriptions.forms import ExternalScoreForm, LearnerGroupForm, SubscribeForm, SubscriptionChangeForm
from subscriptions.models import LearnerGroup, Subscription
from subscriptions.services.catalogue import catalogue_sync_start
from subscriptions.services.changes import external_activity_score, subscription_unsubscribe, subscription_update
from subscriptions.services.common import anewspring_configured
from subscriptions.services.groups import learner_group_save, learner_group_sync_start
from subscriptions.services.results import subscription_refresh, subscriptions_refresh
from subscriptions.services.subscribe import subscriptions_create
from subscriptions.tables import FLAG_MEANINGS, LearnerGroupTable, LearnerSelectTable, SubscriptionListTable, \
    SubscriptionTable

logger = logging.getLogger(__name__)


class ConfiguredMixin:
    """Puts ``anewspring_configured`` in the context: the pages say so instead of failing."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(anewspring_configured=anewspring_configured(), **kwargs)


def _failed(request, exc: AnewspringError) -> None:
    messages.error(request, exc.message)


# --- catalogue ----------------------------------------------------------------------------------
class CatalogueView(ConfiguredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "portal.view_course"
    template_name = "subscriptions/catalogue.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(templates=selectors.catalogue_templates(), **kwargs)


class CatalogueSyncView(JobStartView):
    permission_required = "subscriptions.sync_catalogue"

    def start(self, request):
        return catalogue_sync_start(user=request.user)

    def back_url(self):
        return reverse("catalogue")


# --- every subscription -----------------------------------------------------------------------------
class SubscriptionListView(ConfiguredMixin, PermissionRequiredMixin, PagedTableMixin, FilterView):
    permission_required = "subscriptions.view_subscription"
    model = Subscription
    table_class = SubscriptionListTable
    filterset_class = SubscriptionFilter
    template_name = "subscriptions/subscription_list.html"

    def get_queryset(self):
        return selectors.subscriptions_list()

    def get_context_data(self, **kwargs):
        return super().get_context_data(per_page_choices=PAGE_SIZES, **kwargs)


class SubscriptionExportView(PermissionRequiredMixin, View):
    """The filtered subscriptions as CSV, streamed (as the audit log's export)."""

    permission_required = "subscriptions.view_subscription"

    def get(self, request):
        subscriptions = SubscriptionFilter(request.GET, queryset=selectors.subscriptions_list()).qs
        lines = selectors.subscriptions_export_lines(subscriptions=subscriptions, separator=export_separator(request))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="subscriptions-{stamp}.csv"'
        return response


# --- a learner's subscriptions ---------------------------------------------------------------------
class LearnerSubscriptionsView(ConfiguredMixin, PermissionRequiredMixin, PagedTableMixin, DetailView):
    permission_required = "subscriptions.view_subscription"
    model = Learner
    context_object_name = "learner"
    template_name = "subscriptions/learner_subscriptions.html"
    table_class = SubscriptionTable

    def get_table_data(self):
        return selectors.learner_subscriptions(learner=self.object)

    def get_context_data(self, **kwargs):
        form = SubscribeForm(initial={"learners": [self.object.pk]})
        return super().get_context_data(subscribe_form=form, flag_meanings=FLAG_MEANINGS, **kwargs)


class LearnerSubscriptionsRefreshView(PermissionRequiredMixin, View):
    permission_required = "subscriptions.view_subscription"

    def post(self, request, pk):
        learner = get_object_or_404(Learner, pk=pk)
        try:
            subscriptions = subscriptions_refresh(learner=learner)
        except AnewspringError as exc:
            _failed(request, exc)
        else:
            messages.success(request, ngettext("%(count)d subscription refreshed from aNewSpring.",
                                               "%(count)d subscriptions refreshed from aNewSpring.", len(subscriptions))
                             % {"count": len(subscriptions)})
        return redirect("learner_subscriptions", pk=learner.pk)


# --- subscribe -----------------------------------------------------------------------------------
# The most ticked learners the subscribe page keeps across filters.
TICKED_LIMIT = 1000


class SubscribeView(ConfiguredMixin, PermissionRequiredMixin, PagedTableMixin, FilterView):
    """Pick learners in a filtered table (or a group), a course and dates; one learner is subscribed
    at once, more run as a job with a progress bar."""

    permission_required = "subscriptions.add_subscription"
    model = Learner
    filterset_class = LearnerFilter
    table_class = LearnerSelectTable
    template_name = "subscriptions/subscribe.html"
    paginate_by = 50

    def _ticked(self) -> set[int]:
        """The learners ticked so far: sent along when the table is filtered, or with a form sent back."""
        ticked = (self.request.POST if self.request.method == "POST" else self.request.GET).getlist("learners")
        return as_pks(ticked, limit=TICKED_LIMIT)  # "²" passed isdigit() and failed in int()

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "ticked": self._ticked()}

    def get_context_data(self, **kwargs):
        # The course, dates and group above the table, as far as the link or the filter request names them.
        initial = {name: self.request.GET.get(name) for name in ("course", "start_date", "expire_date", "group")}
        form = kwargs.pop("form", None) or SubscribeForm(initial=initial)
        context = super().get_context_data(form=form, **kwargs)
        shown = {row.record.pk for row in context["table"].page.object_list}
        return {**context, "ticked_elsewhere": sorted(self._ticked() - shown)}

    def post(self, request):
        form = SubscribeForm(request.POST)
        if not form.is_valid():
            for error in form.non_field_errors():
                messages.error(request, error)
            self.filterset = self.get_filterset(self.get_filterset_class())
            self.object_list = self.filterset.qs
            context = self.get_context_data(filter=self.filterset, object_list=self.object_list, form=form)
            return self.render_to_response(context, status=400)
        data = form.cleaned_data
        if data["group"] and not data["confirmed"]:
            licences = selectors.group_licences(group=data["group"], course=data["course"])
            return render(request, "subscriptions/group_confirm.html",
                          {"form": form, "group": data["group"], "course": data["course"], **licences})
        try:
            started = subscriptions_create(
                learners=list(data["learners"]), group=data["group"], course=data["course"],
                start_date=data["start_date"], expire_date=data["expire_date"], user=request.user)
        except AnewspringError as exc:
            _failed(request, exc)
            back = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                back = reverse("subscribe")
            return redirect(back)
        if isinstance(started, Job):
            return redirect(started)
        messages.success(request, started.message)
        return redirect("learner_subscriptions", pk=started.learner.pk)


# --- one subscription ----------------------------------------------------------------------------
class _SubscriptionMixin(ConfiguredMixin, PermissionRequiredMixin):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.subscription = get_object_or_404(
            Subscription.objects.select_related("learner", "course", "course__template"), pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscription=self.subscription, learner=self.subscription.learner,
                                        **kwargs)


class SubscriptionResultsView(_SubscriptionMixin, TemplateView):
    permission_required = "subscriptions.view_subscription"
    template_name = "subscriptions/results.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(parts=selectors.subscription_result_parts(subscription=self.subscription),
                                        objectives=self.subscription.results.get("objectives", []),
                                        external=selectors.external_activities(course=self.subscription.course),
                                        **kwargs)


class SubscriptionRefreshView(_SubscriptionMixin, View):
    permission_required = "subscriptions.view_subscription"

    def post(self, request, pk):
        try:
            changed = subscription_refresh(subscription=self.subscription)
        except AnewspringError as exc:
            _failed(request, exc)
        else:
            messages.success(request, ngettext("Results refreshed from aNewSpring; %(count)d activity result changed.",
                                               "Results refreshed from aNewSpring; %(count)d activity results changed.",
                                               len(changed)) % {"count": len(changed)})
        return redirect(self.subscription)


class SubscriptionChangeView(_SubscriptionMixin, FormView):
    permission_required = "subscriptions.change_subscription"
    template_name = "subscriptions/change.html"
    form_class = SubscriptionChangeForm

    def get_initial(self):
        return {"start_date": self.subscription.start_date, "expire_date": self.subscription.expire_date}

    def post(self, request, *args, **kwargs):
        if "expire_now" in request.POST:
            return self._save(expire_now=True)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        changed = {name: data[name] for name in ("start_date", "expire_date")
                   if data[name] and data[name] != getattr(self.subscription, name)}
        if not changed:
            messages.info(self.request, _("Nothing changed."))
            return redirect(self.subscription)
        return self._save(**changed)

    def _save(self, **changes):
        try:
            subscription_update(subscription=self.subscription, **changes)
        except AnewspringError as exc:
            _failed(self.request, exc)
            return redirect("subscription_change", pk=self.subscription.pk)
        messages.success(self.request, _("Subscription expired.") if changes.get("expire_now")
                         else _("Subscription changed."))
        return redirect(self.subscription)


class SubscriptionUnsubscribeView(_SubscriptionMixin, TemplateView):
    permission_required = "subscriptions.change_subscription"
    template_name = "subscriptions/unsubscribe.html"

    def post(self, request, pk):
        try:
            subscription_unsubscribe(subscription=self.subscription)
        except AnewspringError as exc:
            _failed(request, exc)
            return redirect("subscription_unsubscribe", pk=pk)
        messages.success(request, _("%(learner)s is unsubscribed from %(course)s.")
                         % {"learner": self.subscription.learner, "course": self.subscription.course})
        return redirect("learner_subscriptions", pk=self.subscription.learner_id)


class SubscriptionScoreView(_SubscriptionMixin, FormView):
    permission_required = "subscriptions.change_subscription"
    template_name = "subscriptions/score.html"
    form_class = ExternalScoreForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "course": self.subscription.course}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            external_activity_score(subscription=self.subscription, activity=data["activity"],
                                             score=data["score"], passed=data["passed"],
                                             completed_on=data["completed_on"])
        except AnewspringError as exc:
            _failed(self.request, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Score %(score)s registered on %(activity)s.")
                         % {"score": percent(data["score"]), "activity": data["activity"]})
        return redirect(self.subscription)


# --- groups --------------------------------------------------------------------------------------
class GroupListView(ConfiguredMixin, PermissionRequiredMixin, PagedTableMixin, TemplateView):
    permission_required = "subscriptions.view_learnergroup"
    template_name = "subscriptions/group_list.html"
    table_class = LearnerGroupTable

    def get_table_data(self):
        return selectors.learner_groups()


class GroupFormView(ConfiguredMixin, CreateOrEditView):
    model = LearnerGroup
    context_object_name = "group"
    template_name = "subscriptions/group_form.html"
    form_class = LearnerGroupForm

    def get(self, request, *args, **kwargs):
        if request.htmx:  # the member picker, while the coordinator types
            return render(request, "subscriptions/_member_candidates.html", self._candidates())
        return super().get(request, *args, **kwargs)

    def _candidates(self) -> dict:
        query = self.request.GET.get("member_q", "")
        # The ticks made before this search (sent along by the picker, or with a form sent back) stay ticked.
        ticked = (self.request.POST if self.request.method == "POST" else self.request.GET).getlist("add")
        picked, candidates = selectors.group_member_candidates(
            query=query, picked=[int(pk) for pk in ticked if pk.isdigit()])
        member_ids = set(self.object.members.filter(pk__in=[c.pk for c in candidates]).values_list("pk", flat=True)
                         if self.object else [])
        return {"member_q": query, "picked": picked, "candidates": [(c, c.pk in member_ids) for c in candidates],
                "candidates_limit": selectors.MEMBER_CANDIDATES_LIMIT}

    def get_context_data(self, **kwargs):
        members = page_of(self.request, selectors.group_members(group=self.object), prefix="members_")
        return super().get_context_data(members=members, **self._candidates(), **kwargs)

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in ("external_id", "name")}
        try:
            group = learner_group_save(group=self.object, data=data, members=form.members())
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Group %(group)s saved.") % {"group": group})
        return redirect("group_edit", pk=group.pk)


class GroupSyncView(JobStartView):
    permission_required = "subscriptions.change_learnergroup"

    def start(self, request, pk):
        return learner_group_sync_start(group=get_object_or_404(LearnerGroup, pk=pk), user=request.user)

    def back_url(self, pk):
        return reverse("group_edit", args=[pk])


# --- webhook -------------------------------------------------------------------------------------
def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django reads it: no body


@method_decorator([login_not_required, csrf_exempt], name="dispatch")
class AnewspringWebhookView(View):
    """aNewSpring's webhook: signed JSON in, 2xx fast out; the work happens in a Celery task."""

    http_method_names = ["post"]

    def post(self, request):
        if _declared_length(request) > webhooks.MAX_BODY_BYTES:
            logger.warning("aNewSpring webhook refused unread: its body is larger than %s bytes", webhooks.MAX_BODY_BYTES)
            return HttpResponse("Body too large", status=413)
        if not webhooks.signature_valid(request.body, request.headers.get(webhooks.SIGNATURE_HEADER)):
            logger.warning("aNewSpring webhook with a missing or wrong signature (or no secret configured)")
            return HttpResponseForbidden("Invalid signature")
        delivery, new = webhooks.webhook_receive(body=request.body)
        return JsonResponse({"received": True, "duplicate": not new, "id": delivery.pk}, status=200)
