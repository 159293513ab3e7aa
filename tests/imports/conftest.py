import pytest

from sandbox.anewspring import DEFAULT_API_KEY, AnewspringSandbox


@pytest.fixture
def anewspring(start_sandbox, settings):
    """The aNewSpring sandbox with demo data on a loopback port, and the portal configured for it."""
    sandbox = start_sandbox(AnewspringSandbox.with_demo_data())
    settings.ANEWSPRING_URL, settings.ANEWSPRING_API_KEY = sandbox.url, DEFAULT_API_KEY
    return sandbox
