from django.contrib import admin

from accreditation.models import (
    Award, CertificateAccreditation, CourseAccreditation, EventAccreditation, TemplateAccreditation)
from portal.admin import ReadOnlyAdmin

# Read-only: the PE configuration pages save these through services that write the audit event.
admin.site.register([TemplateAccreditation, CourseAccreditation, CertificateAccreditation, EventAccreditation],
                    ReadOnlyAdmin)


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    """Awards change only through the services (resend from the awards pages), never by hand."""

    list_display = ["learner", "org_id", "person_number", "pe_course_id", "status", "created_at"]
    list_filter = ["status", "trigger", "pe_type"]
