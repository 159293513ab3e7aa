"""How accreditation hears of other apps' changes: results (subscriptions' public signal) and PE
registrations (portal's signal), and what it adds to portal's learner page."""

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accreditation import selectors, services
from accreditation.rules import awards_from_results
from accreditation.models import Award
from portal.integrations import LearnerPanel, ResultPart, WorklistEntry
from portal.models import PERegistration
from portal.signals import pe_registrations_changed
from portal.worklist import url_with
from subscriptions.signals import activity_results_changed


@receiver(activity_results_changed, dispatch_uid="accreditation.results_changed")
def results_changed(sender, subscription, changed, **kwargs) -> None:
    awards_from_results(parts=[
        ResultPart(learner_id=subscription.learner_id, course_id=subscription.course_id, activity_id=row.activity_id,
                   completed=row.completed, passed=row.passed, score=row.score, completed_at=row.complete_date)
        for row in changed
    ])


@receiver(pe_registrations_changed, sender=PERegistration, dispatch_uid="accreditation.registrations_changed")
def registrations_changed(sender, learner_ids, **kwargs) -> None:
    services.awards_registrations_refresh(learner_ids=learner_ids)


def learner_awards_panel(*, learner, user) -> LearnerPanel | None:
    """The learner page's awards, by register, for users who may see awards."""
    if not user.has_perm("accreditation.view_award"):
        return None
    return LearnerPanel(title=_("PE-online awards"), template_name="accreditation/_learner_awards.html",
                        context={"registers": selectors.learner_awards_by_register(learner=learner)})


def _award_labels() -> dict:
    """Each status needing attention, its severity and its count in words."""
    return {
        Award.BLOCKED: ("warning", lambda n: ngettext(
            "%(count)d award blocked: no PE number", "%(count)d awards blocked: no PE number", n) % {"count": n}),
        Award.NO_DATE: ("warning", lambda n: ngettext(
            "%(count)d award blocked: no completion date", "%(count)d awards blocked: no completion date", n)
            % {"count": n}),
        Award.REJECTED: ("danger", lambda n: ngettext(
            "%(count)d award rejected by PE-online", "%(count)d awards rejected by PE-online", n) % {"count": n}),
        Award.FAILED: ("danger", lambda n: ngettext(
            "%(count)d award could not be sent", "%(count)d awards could not be sent", n) % {"count": n}),
        Award.UNKNOWN: ("warning", lambda n: ngettext(
            "%(count)d award with an unknown outcome: check in PE-online",
            "%(count)d awards with an unknown outcome: check in PE-online", n) % {"count": n}),
        Award.SUPERSEDED: ("info", lambda n: ngettext(
            "%(count)d award accepted under earlier PE IDs", "%(count)d awards accepted under earlier PE IDs", n)
            % {"count": n}),
    }


def awards_worklist() -> list[WorklistEntry]:
    """An entry per award status that needs a coordinator; the (status, ...) index serves each count."""
    return [WorklistEntry(key=f"awards.{status}", label=label, severity=severity,
                          rows=Award.objects.filter(status=status), url=url_with("award_list", status=status),
                          permission="accreditation.view_award")
            for status, (severity, label) in _award_labels().items()]
