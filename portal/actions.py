"""The registry of audit action codes and their human labels.

The audit log stores codes (``learner.update``); pages show labels, translated when shown. Each
app registers its own codes once, from its ``AppConfig.ready`` (portal's are registered below)::

    register_actions({"award.submit": _("Award sent to PE-online")})

with ``_`` being ``gettext_lazy``. A code nobody registered is shown as itself.
"""

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_labels: dict[str, Promise | str] = {}


def register_actions(labels: Mapping[str, Promise | str]) -> None:
    for code, label in labels.items():
        if _labels.get(code, label) != label:
            raise ValueError(f"Audit action {code!r} is registered already with another label")
        _labels[code] = label


def action_label(code: str) -> str:
    return str(_labels.get(code, code))


def action_choices() -> list[tuple[str, str]]:
    """(code, label) for every registered code, ordered by the label in the active language."""
    return sorted(((code, str(label)) for code, label in _labels.items()), key=lambda choice: choice[1].lower())


register_actions({
    "remote_call": _("Remote call"),
    "learner.create": _("Learner created"),
    "learner.update": _("Learner changed"),
    "learner_import.upload": _("Learner file uploaded"),
    "learner_import.confirm": _("Learner import confirmed"),
    "learner_import.uploads_expire": _("Unchecked uploaded files deleted"),
    "job.start": _("Job started"),
    "job.finish": _("Job finished"),
    "job.fail": _("Job failed"),
    "integration.connection_test": _("Connection tested"),
    "audit.verify": _("Audit log verified"),
    "auth.user_create": _("User account created"),
    "auth.user_update": _("User account changed"),
    "auth.user_delete": _("User account deleted"),
    "auth.group_create": _("Permission group created"),
    "auth.group_update": _("Permission group changed"),
    "auth.group_delete": _("Permission group deleted"),
    "auth.access_attempt_delete": _("Login lock-out lifted"),
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Sign-in refused"),
    "auth.logout": _("Signed out"),
    "auth.password_change": _("Password changed"),
    "profile.update": _("Profile changed"),
    "notification.sent": _("Notification mailed"),
    "event.admin_create": _("Event added in the admin"),
    "event.admin_update": _("Event changed in the admin"),
    "event.admin_delete": _("Event deleted in the admin"),
})
