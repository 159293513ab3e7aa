from django.contrib import admin

from enrolments.models import Enrolment, ProgressSnapshot, ReferenceItem, ReferenceSync
from portal.admin import ReadOnlyAdmin


@admin.register(ReferenceItem)
class ReferenceItemAdmin(ReadOnlyAdmin):
    """Read-only: the lists come from Learning Assistant."""

    list_display = ["list_name", "name", "key", "active", "synced_at"]
    list_filter = ["list_name", "active"]
    search_fields = ["name", "key"]
    readonly_fields = [f.name for f in ReferenceItem._meta.fields]


@admin.register(ReferenceSync)
class ReferenceSyncAdmin(ReadOnlyAdmin):
    list_display = ["list_name", "synced_at", "total"]
    readonly_fields = [f.name for f in ReferenceSync._meta.fields]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    """Enrolments change in Learning Assistant through the portal's pages; here they are read-only."""

    list_display = ["learner", "framework", "uln", "start_date", "planned_end_date", "progress",
                    "progress_pulled_at"]
    list_filter = ["framework"]
    search_fields = ["learner__last_name", "learner__external_id", "uln", "candidate_uuid"]
    list_select_related = ["learner", "framework"]
    readonly_fields = [f.name for f in Enrolment._meta.fields]


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["enrolment", "taken_at", "progress"]
    list_select_related = ["enrolment__learner", "enrolment__framework"]
    readonly_fields = [f.name for f in ProgressSnapshot._meta.fields]
