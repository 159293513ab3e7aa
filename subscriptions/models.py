"""What the portal keeps of aNewSpring subscriptions: the latest known state of each
learner x course, the per-activity results the accreditation rules read, the learner
groups the portal manages (aNewSpring has no call that lists groups) and webhook deliveries.

aNewSpring is the source of truth: every row here is a copy refreshed from getResults,
written only after aNewSpring confirmed the change.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import Activity, Course, Learner


class Subscription(models.Model):
    NOT_STARTED, ACTIVE, COMPLETED, EXPIRED, UNSUBSCRIBED = "not_started", "active", "completed", "expired", "unsubscribed"
    STATUS_LABELS = {
        NOT_STARTED: _("not started"),
        ACTIVE: _("active"),
        COMPLETED: _("completed"),
        EXPIRED: _("expired"),
        UNSUBSCRIBED: _("unsubscribed"),
    }

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="subscriptions")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="subscriptions")
    active = models.BooleanField(_("started"), default=False)
    expired = models.BooleanField(_("expired"), default=False)
    finished = models.BooleanField(_("finished"), default=False)
    completed = models.BooleanField(_("completed"), default=False)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    # getResults does not report the expiry date: this is the last one the portal set.
    expire_date = models.DateField(_("expiry date"), null=True, blank=True)
    subscribe_date = models.DateTimeField(_("subscribed on"), null=True, blank=True)
    complete_date = models.DateTimeField(_("completed on"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(null=True, blank=True)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    efficiency = models.FloatField(_("efficiency"), null=True, blank=True)
    knowledge_intake = models.FloatField(_("knowledge intake"), null=True, blank=True)
    objectives_progress = models.FloatField(_("objectives progress"), null=True, blank=True)
    grade = models.DecimalField(_("grade (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    reseller = models.CharField(_("subenvironment"), max_length=100, blank=True)
    # The last getResults answer, made JSON-able, for the results page (attempts, criteria, terms, objectives).
    results = models.JSONField(default=dict, blank=True)
    results_refreshed_at = models.DateTimeField(_("results refreshed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-subscribe_date", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="subscription_unique"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(expire_date__isnull=True) | Q(expire_date__gte=models.F("start_date")),
                name="subscription_expires_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["finished", "results_refreshed_at"]),
            # The subscription list: its default order and each date it filters or sorts on.
            models.Index(fields=["-subscribe_date", "-id"], name="subscription_newest_first"),
            models.Index(fields=["start_date"], name="subscription_start_date"),
            models.Index(fields=["expire_date"], name="subscription_expire_date"),
            models.Index(fields=["results_refreshed_at"], name="subscription_refreshed_at"),
            # The worklist's "not started 30 days after subscribing": the not started ones only (few), by date.
            models.Index(fields=["subscribe_date"], name="subscription_not_started",
                         condition=Q(active=False, completed=False, finished=False, expired=False)),
        ]
        permissions = [("sync_catalogue", _("Can sync the catalogue from aNewSpring"))]

    def __str__(self) -> str:
        return f"{self.learner} — {self.course}"

    def get_absolute_url(self) -> str:
        return reverse("subscription_results", args=[self.pk])

    @property
    def progress(self) -> str:
        return f"{self.progress_done}/{self.progress_total}" if self.progress_total is not None else ""

    @property
    def progress_percent(self) -> int:
        return round(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    @property
    def status(self) -> str:
        if self.finished and not self.expired:
            return self.UNSUBSCRIBED
        if self.expired:
            return self.EXPIRED
        if self.completed:
            return self.COMPLETED
        return self.ACTIVE if self.active else self.NOT_STARTED

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]


class ActivityResult(models.Model):
    """A learner's result on one activity of a subscribed course, as aNewSpring last reported it."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="activity_results")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="results")
    completed = models.BooleanField(_("completed"), default=False)
    passed = models.BooleanField(_("passed"), null=True)
    score = models.DecimalField(_("score (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    complete_date = models.DateTimeField(_("completed on"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["subscription", "activity"]
        verbose_name = _("activity result")
        verbose_name_plural = _("activity results")
        constraints = [models.UniqueConstraint(fields=["subscription", "activity"], name="activity_result_unique")]

    def __str__(self) -> str:
        return f"{self.subscription}: {self.activity}"


class LearnerGroup(models.Model):
    """A learner group the portal manages; synced to aNewSpring with addGroup/addGroupUsers."""

    TYPE_CHOICES = [("student", _("learners")), ("teacher", _("instructors")), ("mentor", _("mentors"))]

    external_id = models.CharField(_("group ID"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=255)
    type = models.CharField(_("type"), max_length=10, choices=TYPE_CHOICES, default="student")
    members = models.ManyToManyField(Learner, related_name="learner_groups", blank=True, verbose_name=_("members"))
    synced_at = models.DateTimeField(_("synced to aNewSpring"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("learner group")
        verbose_name_plural = _("learner groups")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One aNewSpring webhook delivery. ``identity`` (a hash of the payload, see
    :func:`subscriptions.webhooks.delivery_identity`) is unique, so a retried delivery is recognised."""

    RECEIVED, PROCESSED, IGNORED, FAILED = "received", "processed", "ignored", "failed"
    STATUS_CHOICES = [(RECEIVED, _("received")), (PROCESSED, _("processed")), (IGNORED, _("ignored")), (FAILED, _("failed"))]

    identity = models.CharField(_("identity"), max_length=64, unique=True)
    event = models.CharField(_("event"), max_length=100)
    created = models.CharField(_("created"), max_length=64)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=RECEIVED)
    note = models.TextField(_("note"), blank=True)
    learner = models.ForeignKey(Learner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        # The sweep looks for the few deliveries still received or failed.
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_delivery_sweep")]

    def __str__(self) -> str:
        return f"{self.event} {self.created}"
