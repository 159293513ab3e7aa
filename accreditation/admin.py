from django.contrib import admin

from accreditation.models import (
    Award, CertificateAccreditation, CourseAccreditation, EventAccreditation, TemplateAccreditation)

admin.site.register([TemplateAccreditation, CourseAccreditation, CertificateAccreditation, EventAccreditation])


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    """Awards change only through the services (resend from the awards pages), never by hand."""

    list_display = ["learner", "org_id", "person_number", "pe_course_id", "status", "created_at"]
    list_filter = ["status", "trigger", "pe_type"]
    raw_id_fields = ["learner", "course", "activity", "event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
