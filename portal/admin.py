"""The Django admin, for superusers: data that services own is read-only here (the portal's pages change
it, through services that write the audit event); what the admin may change (users, groups, login
lock-outs) is audited. Every app's admin builds on :class:`ReadOnlyAdmin` / :class:`ReadOnlyInline`, or on
:class:`AuditedAdmin` for the rare model the admin itself should change;
``tests/portal/test_admin.py`` walks every registered model and fails otherwise."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpResponseBadRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.actions import action_choices
from portal.audit import audit_record
from portal.models import Activity, AuditEvent, Course, Event, Job, Learner, PERegistration, Template
from portal.roles import COORDINATOR_GROUP
from portal.validators import TextRulesMixin, as_pk


class NoWrites:
    """Permissions of an admin or inline that only shows."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Look, never touch: for history (audit events, webhook deliveries) and for data that services own."""

    actions = None


class ReadOnlyInline(NoWrites, admin.TabularInline):
    extra = 0
    can_delete = False


class AuditedAdmin(admin.ModelAdmin):
    """An admin that may change its model: each addition, change and deletion it logs in Django's
    LogEntry is also an audit event, ``<audit_prefix>_create`` / ``_update`` / ``_delete``."""

    audit_prefix: str

    def response_action(self, request, queryset, *args, **kwargs):
        # The ticked rows' keys go straight into a query: "%00" or "abc" was a 500.
        if any(as_pk(value) is None for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            return HttpResponseBadRequest(_("The selection names rows that do not exist."))
        return super().response_action(request, queryset, *args, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        # What a superuser types here is held to the rules every other form keeps (portal.validators).
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (TextRulesMixin, form), {})

    def log_addition(self, request, obj, message):
        audit_record(action=f"{self.audit_prefix}_create", obj=obj, summary=format_lazy(_("Created {name}"), name=obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        changed = sorted({str(field) for entry in message if isinstance(entry, dict)
                          for part in entry.values() for field in part.get("fields", ())})
        audit_record(action=f"{self.audit_prefix}_update", obj=obj,
                     summary=format_lazy(_("Changed {fields} of {name}"), fields=", ".join(changed) or "-", name=obj))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(action=f"{self.audit_prefix}_delete", obj=obj, summary=format_lazy(_("Deleted {name}"), name=obj))
        return super().log_deletions(request, queryset)


class PERegistrationInline(ReadOnlyInline):
    model = PERegistration


@admin.register(Learner)
class LearnerAdmin(ReadOnlyAdmin):
    """Read-only: the learner pages edit learners (Custom1 and the PE registrations together, audited)."""

    list_display = ["__str__", "external_id", "login", "email", "company", "active"]
    list_filter = ["active"]
    search_fields = ["first_name", "last_name", "email", "external_id", "login", "uid", "pe_registrations__number"]
    inlines = [PERegistrationInline]


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    """Read-only: the catalogue comes from aNewSpring (Sync from aNewSpring)."""

    list_display = ["name", "external_id", "uid", "synced_at"]
    search_fields = ["name", "external_id", "uid"]


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ["name", "external_id", "template", "reseller", "start_date", "expire_date"]
    list_filter = ["template"]
    search_fields = ["name", "external_id", "uid"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["name", "external_id", "template", "type", "sub_type"]
    list_filter = ["type", "template"]
    search_fields = ["name", "external_id", "uid"]


@admin.register(Event)
class EventAdmin(AuditedAdmin):
    """Coordinators record events on the course pages; superusers may correct them here too (audited; an
    event an award refers to is protected)."""

    audit_prefix = "event.admin"
    list_display = ["name", "external_id", "course", "activity", "date"]
    list_select_related = ["course", "activity"]
    search_fields = ["name", "external_id"]
    raw_id_fields = ["course", "activity"]  # there may be thousands of each


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "done", "total", "created_by", "created_at"]
    list_filter = ["kind", "status"]


class ActionFilter(admin.SimpleListFilter):
    """The registered actions by label: Django's own filter would read every distinct code from the log."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only, in the admin too. No date hierarchy: it reads every
    event's date (the audit page filters by date)."""

    list_display = ["created_at", "actor", "action_label", "system", "learner", "outcome", "http_status"]
    list_filter = ["system", "outcome", ActionFilter]
    list_select_related = ["learner"]
    search_fields = ["actor", "action", "summary", "correlation_id"]
    show_full_result_count = False

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, event):
        return event.action_label


# --- what superusers do change here: accounts, groups, and clearing a login lock-out ----------------
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    audit_prefix = "auth.user"


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    """The Training coordinator group is kept under its name: the portal's role is that group (the apps'
    migrations grant their permissions to it by name)."""

    audit_prefix = "auth.group"

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.name == COORDINATOR_GROUP)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "name"] if obj and obj.name == COORDINATOR_GROUP else readonly


for model in (AccessAttempt, AccessLog, AccessFailureLog):
    admin.site.unregister(model)


@admin.register(AccessAttempt)
class AccessAttemptAuditedAdmin(AuditedAdmin, AccessAttemptAdmin):
    """Deleting an attempt lifts the lock-out of that user name and address; nothing else changes here."""

    audit_prefix = "auth.access_attempt"
    actions = None  # axes' "clean up expired attempts" deletes without the admin's LogEntry

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogReadOnlyAdmin(ReadOnlyAdmin, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogReadOnlyAdmin(ReadOnlyAdmin, AccessFailureLogAdmin):
    pass
