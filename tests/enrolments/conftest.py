import pytest
from django.core.cache import cache
from django.utils import translation

from enrolments.client import LearningAssistantClient, learning_assistant_session
from sandbox.learning_assistant import DEFAULT_PASSWORD, DEFAULT_USERNAME, LearningAssistantSandbox


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Tokens live in the cache: every test starts without one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(LearningAssistantSandbox.with_demo_data())


@pytest.fixture
def calls():
    return []


class Clock:
    """The client's clock, moved by tests (the sandbox has its own: ``sandbox.app.advance``)."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now

    def advance(self, *, minutes: float):
        self.now += minutes * 60


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_client(sandbox, calls, clock):
    def make(*, password: str = DEFAULT_PASSWORD, cache_=cache, url: str | None = None):
        session = learning_assistant_session(password, connect_timeout=1, read_timeout=5, on_call=calls.append)
        return LearningAssistantClient(url or sandbox.url, DEFAULT_USERNAME, password, cache=cache_,
                                       session=session, clock=clock)

    return make


@pytest.fixture
def api(make_client):
    return make_client()


@pytest.fixture
def configured(sandbox, settings):
    """The portal configured for the sandbox, as LEARNING_ASSISTANT_* would do."""
    settings.LEARNING_ASSISTANT_URL = sandbox.url
    settings.LEARNING_ASSISTANT_USERNAME, settings.LEARNING_ASSISTANT_PASSWORD = DEFAULT_USERNAME, DEFAULT_PASSWORD
    return sandbox


@pytest.fixture
def synced(configured, db):
    """The sandbox's reference lists synced into the portal."""
    from enrolments.services import reference_sync

    reference_sync()
    return configured
