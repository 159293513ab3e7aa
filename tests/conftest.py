import pytest

from sandbox.server import serve
from tests.factories import CoordinatorFactory, SuperuserFactory, UserFactory


@pytest.fixture
def coordinator(db):
    return CoordinatorFactory()


@pytest.fixture
def superuser(db):
    return SuperuserFactory()


@pytest.fixture
def plain_user(db):
    """A logged-in user without any role: may see nothing but the login pages."""
    return UserFactory()


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def start_sandbox():
    """Start a sandbox app on a free loopback port; stopped after the test."""
    running = []

    def start(app):
        server = serve(app)
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()
