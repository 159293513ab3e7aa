"""The audit action codes PE-online's services write, with the labels the audit pages show."""

from django.utils.translation import gettext_lazy as _

from portal.audit import register_actions

register_actions({
    "accreditation.template_save": _("PE configuration of a template saved"),
    "accreditation.course_save": _("PE configuration of a course saved"),
    "accreditation.certificate_save": _("PE configuration of a certificate saved"),
    "accreditation.event_save": _("PE configuration of an event saved"),
    "event.create": _("Event added to a course"),
    "event.update": _("Event changed"),
    "event.delete": _("Event deleted"),
    "award.create": _("PE-online award created"),
    "award.registration_update": _("PE-online award's registration changed"),
    "award.submit": _("PE-online award sent"),
    "award.recover": _("PE-online award recovered after a stopped worker"),
    "award.resend": _("PE-online award sent again"),
    "award.dated": _("PE-online award got its completion date"),
    "award.resend_new_ids": _("PE-online award resent under the new PE IDs"),
    "award.withdraw": _("PE-online award withdrawn: not its template's award basis"),
})
