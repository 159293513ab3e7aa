"""The portal's own ``manage.py check --deploy`` checks: a production set-up that would run, but not as the
README's guarantees assume. Django's own deploy checks cover ALLOWED_HOSTS, secure cookies and HTTPS."""

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from portal.models import AuditEvent

PROCESS_LOCAL_CACHES = {"django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"}


@checks.register(checks.Tags.caches, deploy=True)
def broker_with_process_local_cache(app_configs=None, **kwargs):
    """With a broker, the web processes, the workers and beat are separate processes that share state only
    through a shared cache."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not settings.CELERY_BROKER_URL or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [checks.Error(
        f"CELERY_BROKER_URL is set but the cache is process-local ({backend.rpartition('.')[2]}): the web "
        "processes, workers and beat would each keep their own. Learning Assistant's token is then not shared "
        "(every process authenticates on its own and keeps its own token), and on a database other than "
        "PostgreSQL the job and periodic-task locks hold only within one process.",
        hint="Set CACHE_URL to a cache every process reaches, e.g. redis://127.0.0.1:6379/1.",
        id="portal.E101")]


@checks.register("portal", deploy=True)
def sqlite_with_broker(app_configs=None, **kwargs):
    """Several workers and beat on SQLite: the README's 'Several workers, dying workers' holds on PostgreSQL."""
    if not settings.CELERY_BROKER_URL or not settings.DATABASES[DEFAULT_DB_ALIAS]["ENGINE"].endswith("sqlite3"):
        return []
    return [checks.Error(
        "CELERY_BROKER_URL is set but the database is SQLite: the workers and beat are other processes, which "
        "SQLite serves on one host only and one writer at a time (a writer that waits 20 s fails), and the job "
        "locks become cache entries that a dead worker leaves behind for up to 6 hours (PostgreSQL's advisory "
        "locks go with the worker). The guarantees for several workers hold on PostgreSQL.",
        hint="Set DATABASE_URL to PostgreSQL, or unset CELERY_BROKER_URL to run jobs on the web process's threads.",
        id="portal.E102")]


# Not tagged "database": Django runs those only with --database, and the plain `check --deploy` must say it.
@checks.register(checks.Tags.security, deploy=True)
def web_role_owns_the_tables(app_configs=None, databases=None, **kwargs):
    """The audit log's trigger stops the portal's code, not the tables' owner or a superuser (see the README's
    'Who may rewrite it'). Run with the web process's DATABASE_URL; decided on PostgreSQL only."""
    found = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_user, r.rolsuper, pg_has_role(current_user, t.tableowner, 'MEMBER') "
                    "FROM pg_tables t, pg_roles r WHERE t.schemaname = current_schema() AND t.tablename = %s "
                    "AND r.rolname = current_user", [AuditEvent._meta.db_table])
                row = cursor.fetchone()
        except DatabaseError as exc:
            found.append(checks.Info(f"Database {alias!r} did not answer ({exc}): whether its role owns the "
                                     "tables was not checked.", id="portal.I101"))
            continue
        if row and (row[1] or row[2]):
            found.append(checks.Warning(
                f"Database {alias!r}: the role {row[0]!r} is a superuser or owns the tables: a web process, "
                "worker or beat running as it could switch the audit log's trigger off and rewrite the log.",
                hint="Run migrations as the owner, then `manage.py grant_web_role ROLE` and give the web process, "
                     "the workers and beat a DATABASE_URL with that role of their own.",
                id="portal.W101"))
    return found
