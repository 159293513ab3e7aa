"""The audit action codes Learning Assistant's services write, with the labels the audit pages show."""

from django.utils.translation import gettext_lazy as _

from portal.audit import register_actions

register_actions({
    "enrolments.reference_sync": _("Learning Assistant lists synced"),
    "enrolments.answer_check": _("Learning Assistant answers checked"),
    "enrolment.create": _("Enrolled in Learning Assistant"),
    "enrolment.update": _("Enrolment changed"),
    "enrolment.link": _("Enrolment linked"),
    "enrolment.progress_pull": _("Progress pulled"),
})
