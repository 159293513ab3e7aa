"""aNewSpring in the portal's integrations registry (registered by :class:`SubscriptionsConfig`)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.integrations import ConnectionCheck, Integration
from subscriptions.client import AnewspringError
from subscriptions.services.common import SYSTEM, anewspring_client, anewspring_configured
from subscriptions.services.learners import learners_push_start


def anewspring_connection_check() -> ConnectionCheck:
    """One harmless read (getTemplates): it needs the address, the API key and the API to answer."""
    try:
        templates = anewspring_client().get_templates()
    except AnewspringError as exc:
        return ConnectionCheck(ok=False, message=exc.message)
    return ConnectionCheck(ok=True, message=ngettext(
        "Connected: aNewSpring lists %(count)d template.", "Connected: aNewSpring lists %(count)d templates.",
        len(templates)) % {"count": len(templates)})


ANEWSPRING = Integration(
    name=SYSTEM,
    label=_("aNewSpring"),
    is_configured=anewspring_configured,
    check_connection=anewspring_connection_check,
    url=lambda: settings.ANEWSPRING_URL,
    learners_imported=learners_push_start,
    learners_imported_label=_("Also create or update these learners in aNewSpring"),
)
