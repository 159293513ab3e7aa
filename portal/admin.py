from django.contrib import admin

from portal.models import Activity, AuditEvent, Course, Event, Job, Learner, PERegistration, Template


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are history (audit events, webhook deliveries): look, never touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PERegistrationInline(admin.TabularInline):
    model = PERegistration
    extra = 0


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "external_id", "login", "email", "company", "active"]
    list_filter = ["active"]
    search_fields = ["first_name", "last_name", "email", "external_id", "login", "uid", "pe_registrations__number"]
    inlines = [PERegistrationInline]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "uid", "synced_at"]
    search_fields = ["name", "external_id", "uid"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "template", "reseller", "start_date", "expire_date"]
    list_filter = ["template"]
    search_fields = ["name", "external_id", "uid"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "template", "type", "sub_type"]
    list_filter = ["type", "template"]
    search_fields = ["name", "external_id", "uid"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "course", "activity", "date"]
    search_fields = ["name", "external_id"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "done", "total", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only, in the admin too."""

    list_display = ["created_at", "actor", "action", "system", "learner", "outcome", "http_status"]
    list_filter = ["system", "outcome", "action"]
    search_fields = ["actor", "action", "summary", "correlation_id"]
    date_hierarchy = "created_at"
