"""Read-only: subscriptions, results and groups change in aNewSpring through the portal's pages, whose
services write the audit events; webhook deliveries are history."""

from django.contrib import admin

from portal.admin import ReadOnlyAdmin, ReadOnlyInline
from subscriptions.models import ActivityResult, LearnerGroup, Subscription, WebhookDelivery


class ActivityResultInline(ReadOnlyInline):
    model = ActivityResult
    fields = ["activity", "completed", "passed", "score", "complete_date", "attempts"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["learner", "course", "active", "expired", "finished", "completed", "start_date", "expire_date",
                    "results_refreshed_at"]
    list_filter = ["finished", "expired", "completed", "course__template"]
    search_fields = ["learner__last_name", "learner__external_id", "course__name", "course__external_id"]
    list_select_related = ["learner", "course"]
    inlines = [ActivityResultInline]


@admin.register(ActivityResult)
class ActivityResultAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "activity", "completed", "passed", "score", "attempts", "updated_at"]
    list_filter = ["completed", "passed"]
    list_select_related = ["subscription__learner", "subscription__course", "activity"]


@admin.register(LearnerGroup)
class LearnerGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "external_id", "type", "synced_at"]
    search_fields = ["name", "external_id"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event", "created", "status", "attempts", "learner", "course", "processed_at"]
    list_filter = ["status", "event"]
