import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission

from portal.roles import COORDINATOR_GROUP
from sandbox.server import serve
from tests.factories import CoordinatorFactory, SuperuserFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgresql`` are deselected (not skipped) when the suite runs on another database."""
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


@pytest.fixture(scope="session")
def coordinator_permissions(django_db_setup, django_db_blocker):
    """The permissions the data migrations gave the coordinator group, as (app label, codename)."""
    with django_db_blocker.unblock():
        return list(Group.objects.get(name=COORDINATOR_GROUP).permissions
                    .values_list("content_type__app_label", "codename"))


@pytest.fixture
def coordinator_group(db, coordinator_permissions):
    """The coordinator group, made again after a transactional test's flush removed it
    (the flush keeps permissions, which post_migrate re-creates, but not the migrations' data)."""
    group, created = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    if created:
        for app_label, codename in coordinator_permissions:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


@pytest.fixture
def coordinator(coordinator_group):
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
