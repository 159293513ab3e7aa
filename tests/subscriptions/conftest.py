import pytest
from django.utils import translation

from sandbox.anewspring import DEFAULT_API_KEY, AnewspringSandbox
from subscriptions.client import AnewspringClient, anewspring_session


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, whatever the default language becomes."""
    with translation.override("en"):
        yield


@pytest.fixture
def anewspring(start_sandbox):
    """The aNewSpring sandbox with demo data, on a loopback port."""
    return start_sandbox(AnewspringSandbox.with_demo_data())


@pytest.fixture
def calls():
    """Every RemoteCall the client reports."""
    return []


@pytest.fixture
def make_api(anewspring, calls):
    """Clients without retry back-off (fault tests stay fast) that report to ``calls``."""

    def make(*, read_timeout: float = 5.0, api_key: str = DEFAULT_API_KEY, url: str | None = None):
        session = anewspring_session(api_key, connect_timeout=1, read_timeout=read_timeout, on_call=calls.append,
                                     backoff=0)
        return AnewspringClient(url or anewspring.url, api_key, session=session)

    return make


@pytest.fixture
def api(make_api):
    return make_api()
