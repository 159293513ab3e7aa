import pytest
from django.utils import translation

from accreditation.client import PEOnlineClient, pe_online_session
from sandbox.pe_online import BASE_PATH, DEFAULT_USER_ID, DEFAULT_USER_KEY, PEOnlineSandbox


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def pe_sandbox(start_sandbox):
    """PE-online's web service on a loopback port, with the specification's example professionals."""
    return start_sandbox(PEOnlineSandbox.with_demo_data())


@pytest.fixture
def pe_online(pe_sandbox, settings):
    """The portal configured for the sandbox; yields the sandbox app."""
    settings.PE_ONLINE_URL = pe_sandbox.url + BASE_PATH
    settings.PE_ONLINE_USER_ID = DEFAULT_USER_ID
    settings.PE_ONLINE_USER_KEY = DEFAULT_USER_KEY
    return pe_sandbox.app


@pytest.fixture
def calls():
    return []


@pytest.fixture
def make_client(pe_sandbox, calls):
    def make(*, user_key: str = DEFAULT_USER_KEY, read_timeout: float = 5.0):
        session = pe_online_session(user_key, connect_timeout=1, read_timeout=read_timeout, on_call=calls.append)
        return PEOnlineClient(pe_sandbox.url + BASE_PATH, DEFAULT_USER_ID, user_key, session=session)

    return make
