"""How accreditation hears of other apps' changes: results (subscriptions' public signal) and PE
registrations (portal's signal), and what it adds to portal's learner page."""

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from accreditation import selectors, services
from accreditation.rules import awards_from_results
from portal.integrations import LearnerPanel, ResultPart
from portal.models import PERegistration
from portal.signals import pe_registrations_changed
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
