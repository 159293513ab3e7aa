"""Learning Assistant in the portal's integrations registry: status, connection test, learner panel."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from enrolments import selectors, services
from enrolments.client import LearningAssistantAuthError
from portal.http import RemoteError
from portal.integrations import ConnectionCheck, Integration, LearnerPanel, WorklistEntry, integration_register
from portal.worklist import url_with


def check_connection() -> ConnectionCheck:
    """Authenticate afresh: the plainest proof that the address, user name and password work."""
    try:
        services.learning_assistant_client().check()
    except LearningAssistantAuthError:
        return ConnectionCheck(False, _("Learning Assistant refused the user name or password."))
    except RemoteError as exc:
        return ConnectionCheck(False, exc.message)
    return ConnectionCheck(True, _("Connected: Learning Assistant accepted the user name and password."))


def describe_answers() -> list[str]:
    """The answer check as text, one line per operation (values redacted)."""
    lines = []
    for check in services.answer_check():
        if not check.called:
            status = check.message
        elif not check.read:
            status = _("not read: %(message)s") % {"message": check.message}
        else:
            status = ngettext("read, %(count)d item, %(kept)d kept", "read, %(count)d items, %(kept)d kept",
                              check.count) % {"count": check.count, "kept": check.kept}
        line = f"{check.operation}: {status}"
        if check.elements:
            line += "; " + _("first item: %(elements)s") % {"elements": ", ".join(check.elements)}
        if check.read_as:
            line += "; " + _("read as: %(fields)s") % {"fields": ", ".join(f"{k} {v}" for k, v in check.read_as)}
        if check.read and check.message:
            line += f"; {check.message}"
        lines.append(line)
    return lines


def learner_panel(*, learner, user) -> LearnerPanel | None:
    if not user.has_perm("enrolments.view_enrolment"):
        return None
    return LearnerPanel(title=gettext_lazy("Learning Assistant enrolments"),
                        template_name="enrolments/_learner_panel.html",
                        context={"learner": learner, "enrolments": selectors.learner_enrolments(learner=learner),
                                 "can_enrol": user.has_perm("enrolments.add_enrolment")})


def worklist() -> list[WorklistEntry]:
    stale_since = timezone.localdate() - datetime.timedelta(days=selectors.PROGRESS_STALE_DAYS - 1)
    return [
        WorklistEntry(
            key="enrolments.progress_stale", severity="warning", permission="enrolments.view_enrolment",
            rows=selectors.enrolments_progress_stale(),
            label=lambda n: ngettext("%(count)d enrolment's progress not pulled for %(days)d days",
                                     "%(count)d enrolments' progress not pulled for %(days)d days", n)
            % {"count": n, "days": selectors.PROGRESS_STALE_DAYS},
            url=url_with("enrolment_list", pulled_before=stale_since.isoformat())),
        WorklistEntry(
            key="enrolments.overdue", severity="warning", permission="enrolments.view_enrolment",
            rows=selectors.enrolments_overdue(),
            label=lambda n: ngettext("%(count)d enrolment past its planned end date, not completed",
                                     "%(count)d enrolments past their planned end date, not completed", n)
            % {"count": n},
            url=url_with("enrolment_list", overdue="true")),
    ]


integration_register(Integration(
    name="learning_assistant",
    label=gettext_lazy("Learning Assistant"),
    is_configured=services.learning_assistant_configured,
    check_connection=check_connection,
    url=lambda: settings.LEARNING_ASSISTANT_URL,
    learner_panel=learner_panel,
    describe_answers=describe_answers,
    worklist=worklist,
))
