"""The sandboxes ``make demo`` starts, one entry per remote system.

A new system's sandbox joins the demo with one :class:`DemoSandbox` in :data:`DEMO_SANDBOXES`:
the setting holding its URL (the Makefile points it at a loopback port), how to build the
sandbox with its demo data, and what to fetch into the portal once it runs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from portal.models import Learner
from sandbox.anewspring import DEMO_LEARNER_ID, AnewspringSandbox
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


DEMO_SANDBOXES = [
    DemoSandbox("ANEWSPRING_URL", lambda: AnewspringSandbox.with_demo_data(api_key=settings.ANEWSPRING_API_KEY),
                _anewspring_seed),
    DemoSandbox("PE_ONLINE_URL", lambda: PEOnlineSandbox.with_demo_data(user_id=settings.PE_ONLINE_USER_ID,
                                                                         user_key=settings.PE_ONLINE_USER_KEY)),
]
