import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import connection

from portal import jobs, receivers
from portal.roles import COORDINATOR_GROUP
from sandbox.server import serve
from tests.doubles import job_gate
from tests.factories import CoordinatorFactory, SuperuserFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgresql`` (real workers, row locks, advisory locks) run only where they can
    (CI's PostgreSQL run with Redis); elsewhere they are deselected, which one line says."""
    marked = [item for item in items if item.get_closest_marker("postgresql")]
    missing = [need for need, present in (("PostgreSQL", connection.vendor == "postgresql"),
                                          ("CELERY_BROKER_URL", bool(os.environ.get("CELERY_BROKER_URL"))))
               if not present]
    if not marked or not missing:
        return
    config.hook.pytest_deselected(items=marked)
    items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"{len(marked)} tests marked postgresql deselected: no {' and no '.join(missing)} "
                            "(set DATABASE_URL to PostgreSQL and CELERY_BROKER_URL to Redis to run them)")


@pytest.fixture(autouse=True)
def _cache_cleared():
    """Each test starts with an empty cache: a chart or token cached by an earlier test is not its data."""
    cache.clear()


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


def signed_in(client, user):
    """``client`` signed in as ``user`` without the sign-in's audit event (tests/portal/test_sign_in_audit.py
    covers that), so the events a test finds are those of what it does."""
    user_logged_in.disconnect(dispatch_uid="portal.audit.login")
    try:
        client.force_login(user)
    finally:
        user_logged_in.connect(receivers._signed_in, dispatch_uid="portal.audit.login")
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    return signed_in(client, coordinator)


@pytest.fixture
def admin_client_(client, superuser):
    return signed_in(client, superuser)


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


@pytest.fixture
def job_threads(settings, monkeypatch):
    """Jobs on one background thread, as with no broker (the test settings run them in the request), and
    the gate (:class:`tests.doubles.JobGate`) closed. Afterwards the gate opens and the jobs are waited
    for, so none writes into the next test's database (``jobs_local_wait()`` waits for them)."""
    settings.JOBS_LOCAL_THREADS = 1
    monkeypatch.setattr(jobs, "local_runner", jobs.LocalRunner())  # one thread, whatever earlier tests started
    job_gate.opened.clear()
    job_gate.connections.clear()
    yield job_gate
    job_gate.open()
    jobs.jobs_local_wait()
