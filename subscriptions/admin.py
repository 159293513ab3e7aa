from django.contrib import admin

from portal.admin import ReadOnlyAdmin
from subscriptions.models import ActivityResult, LearnerGroup, Subscription, WebhookDelivery


class ActivityResultInline(admin.TabularInline):
    model = ActivityResult
    extra = 0
    fields = ["activity", "completed", "passed", "score", "complete_date", "attempts"]
    readonly_fields = fields
    can_delete = False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions change in aNewSpring through the portal's pages; here they are read-only."""

    list_display = ["learner", "course", "active", "expired", "finished", "completed", "start_date", "expire_date",
                    "results_refreshed_at"]
    list_filter = ["finished", "expired", "completed", "course__template"]
    search_fields = ["learner__last_name", "learner__external_id", "course__name", "course__external_id"]
    list_select_related = ["learner", "course"]
    readonly_fields = [f.name for f in Subscription._meta.fields]
    inlines = [ActivityResultInline]

    def has_add_permission(self, request):
        return False


@admin.register(ActivityResult)
class ActivityResultAdmin(admin.ModelAdmin):
    list_display = ["subscription", "activity", "completed", "passed", "score", "attempts", "updated_at"]
    list_filter = ["completed", "passed"]
    list_select_related = ["subscription__learner", "subscription__course", "activity"]
    readonly_fields = [f.name for f in ActivityResult._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LearnerGroup)
class LearnerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "type", "synced_at"]
    search_fields = ["name", "external_id"]
    filter_horizontal = ["members"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Read-only: what aNewSpring sent and what became of it."""

    list_display = ["received_at", "event", "created", "status", "attempts", "learner", "course", "processed_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
