"""Per-learner outcomes of the jobs that go through learners one by one (subscribe, push)."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Learner
from subscriptions.client import AnewspringError
from subscriptions.models import Subscription

SUBSCRIBED, ALREADY, FAILED, SKIPPED = "subscribed", "already_subscribed", "failed", "skipped"
OUTCOME_LABELS = {
    SUBSCRIBED: gettext_lazy("subscribed"), ALREADY: gettext_lazy("already subscribed"),
    FAILED: gettext_lazy("failed"), SKIPPED: gettext_lazy("not attempted"),
}


@dataclass
class SubscribeOutcome:
    """One learner's outcome in a job that goes through learners one by one (subscribe, push)."""

    learner: Learner
    status: str
    message: str = ""
    subscription: Subscription | None = None
    retryable: bool = False

    def as_dict(self) -> dict:
        return {"learner_id": self.learner.pk, "learner": self.learner.full_name, "status": self.status,
                "message": self.message,
                "subscription_id": self.subscription.pk if self.subscription else None}


def politely(learners: Iterable[Learner],
              attempt: Callable[[Learner], SubscribeOutcome]) -> Iterator[SubscribeOutcome]:
    """``attempt`` each learner in turn, a failure being that learner's outcome. After a retryable error
    (aNewSpring asks to slow down or is struggling) the rest are not attempted: running again is safe."""
    stop_reason = ""
    for learner in learners:
        if stop_reason:
            yield SubscribeOutcome(learner, SKIPPED, stop_reason)
            continue
        try:
            yield attempt(learner)
        except AnewspringError as exc:
            if exc.retryable:
                stop_reason = _("Stopped after aNewSpring asked to slow down or failed; run it again later.")
            yield SubscribeOutcome(learner, FAILED, exc.message, retryable=exc.retryable)
