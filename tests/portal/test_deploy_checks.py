"""The portal's own `manage.py check --deploy` checks (portal/checks.py)."""

import pytest
from django.db import connection
from django.test import override_settings

from portal import checks
from tests.portal.test_settings import PRODUCTION, manage

REDIS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                           "LOCATION": "redis://127.0.0.1:6379/1"}}


def ids(found) -> list[str]:
    return [message.id for message in found]


def check_deploy(tmp_path, **env):
    """`manage.py check --deploy` with production settings, a database of our choosing and no broker or cache
    from the machine's environment (CI sets a broker)."""
    settings = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "CELERY_BROKER_URL": "",
                "CACHE_URL": "locmemcache://portal", **env}
    return manage("check", "--deploy", "--fail-level", "WARNING", **settings)


def test_a_broker_with_sqlite_and_a_process_local_cache_is_refused_naming_what_breaks(tmp_path):
    result = check_deploy(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/15")
    assert result.returncode != 0
    assert "(portal.E101)" in result.stderr and "Learning Assistant's token is then not shared" in result.stderr
    assert "(portal.E102)" in result.stderr and "one writer at a time" in result.stderr
    assert "(portal.W101)" not in result.stderr  # SQLite has no roles to decide it on


def test_a_broker_with_postgresql_and_a_shared_cache_passes(tmp_path):
    """The database host does not answer here: the owner check says it could not look, which fails nothing."""
    result = check_deploy(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
                          CACHE_URL="redis://127.0.0.1:6379/1", DATABASE_URL="postgres://portal@127.0.0.1:1/portal",
                          DATABASE_CONNECT_TIMEOUT="2")
    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert "(portal.I101) Database 'default' did not answer" in said and "portal.E1" not in said


@pytest.mark.parametrize("broker, caches, expected", [
    ("redis://127.0.0.1:6379/15", {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
     ["portal.E101"]),
    ("redis://127.0.0.1:6379/15", {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
     ["portal.E101"]),
    ("redis://127.0.0.1:6379/15", REDIS_CACHE, []),
    ("", {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}, []),  # one process: fine
])
def test_only_a_broker_with_a_process_local_cache_is_an_error(broker, caches, expected):
    with override_settings(CELERY_BROKER_URL=broker, CACHES=caches):
        assert ids(checks.broker_with_process_local_cache()) == expected


@pytest.mark.postgresql
def test_the_tables_owner_as_the_web_role_is_a_warning_pointing_to_grant_web_role(db):
    """The test database's role created the tables (as `migrate` does): the check warns about it."""
    found = checks.web_role_owns_the_tables(databases=["default"])
    assert ids(found) == ["portal.W101"] and "grant_web_role" in found[0].hint


@pytest.mark.postgresql
def test_a_role_of_its_own_is_not_warned_about(db):
    with connection.cursor() as cursor:  # both undone with the test's transaction
        cursor.execute("CREATE ROLE portal_web_deploy_check NOLOGIN")
        cursor.execute("SET LOCAL ROLE portal_web_deploy_check")
    assert checks.web_role_owns_the_tables(databases=["default"]) == []
