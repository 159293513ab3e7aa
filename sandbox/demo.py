"""The sandboxes ``make demo`` starts, one entry per remote system.

A new system's sandbox joins the demo with one :class:`DemoSandbox` in :data:`DEMO_SANDBOXES`:
the setting holding its URL (the Makefile points it at a loopback port), how to build the
sandbox with its demo data, and what to fetch into the portal once it runs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from enrolments.services import reference_sync
from portal.models import Learner
from sandbox.anewspring import DEMO_LEARNER_ID, AnewspringSandbox
from sandbox.learning_assistant import LearningAssistantSandbox
from sandbox.pe_online import PEOnlineSandbox
from sandbox.server import SandboxApp
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import subscriptions_refresh


@dataclass(frozen=True)
class DemoSandbox:
    url_setting: str  # the sandbox listens on this URL's loopback port; not started when the setting is empty
    build: Callable[[], SandboxApp]
    seed: Callable[[], None] = lambda: None  # runs once the sandbox answers and the demo learners exist


def _anewspring_seed() -> None:
    catalogue_sync()
    # The seed's example learner: results to look at straight away.
    subscriptions_refresh(learner=Learner.objects.get(external_id=DEMO_LEARNER_ID))


def _learning_assistant() -> LearningAssistantSandbox:
    # Progress runs through a framework in two hours, so a demo sees the chart move.
    return LearningAssistantSandbox.with_demo_data(username=settings.LEARNING_ASSISTANT_USERNAME,
                                                   password=settings.LEARNING_ASSISTANT_PASSWORD,
                                                   courses_path=settings.LEARNING_ASSISTANT_COURSES_PATH,
                                                   companies_path=settings.LEARNING_ASSISTANT_COMPANIES_PATH,
                                                   course_duration=timedelta(hours=2),
                                                   answers=settings.SANDBOX_LEARNING_ASSISTANT_ANSWERS)


DEMO_SANDBOXES = [
    DemoSandbox("ANEWSPRING_URL", lambda: AnewspringSandbox.with_demo_data(api_key=settings.ANEWSPRING_API_KEY),
                _anewspring_seed),
    DemoSandbox("PE_ONLINE_URL", lambda: PEOnlineSandbox.with_demo_data(user_id=settings.PE_ONLINE_USER_ID,
                                                                         user_key=settings.PE_ONLINE_USER_KEY)),
    # Enrolments live only in the sandbox's memory, so the demo syncs the reference data and leaves enrolling
    # to the coordinator.
    DemoSandbox("LEARNING_ASSISTANT_URL", _learning_assistant, reference_sync),
]
