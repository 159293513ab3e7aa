"""gunicorn's settings for the portal's web process (the Procfile's ``web``):

    gunicorn -c deploy/gunicorn.conf.py

Like the portal's settings, everything comes from the environment, and a value that cannot work stops the start.
"""

import multiprocessing
import os

wsgi_app = "portal.wsgi:application"


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def _cache_is_shared() -> bool:
    """Whether CACHE_URL names a cache every process sees (the default is local memory, one per process)."""
    url = os.environ.get("CACHE_URL", "").strip()
    return bool(url) and not url.startswith(("locmemcache:", "dummycache:"))


# Several web processes share the Learning Assistant token and, off PostgreSQL, the job locks only through a
# shared cache: without CACHE_URL one process (gunicorn's rule of thumb, 2 per core + 1, with one).
workers = int(os.environ.get("WEB_CONCURRENCY") or (multiprocessing.cpu_count() * 2 + 1 if _cache_is_shared() else 1))
if workers > 1 and not _cache_is_shared():
    raise RuntimeError(f"WEB_CONCURRENCY={workers} needs a shared CACHE_URL (e.g. redis://127.0.0.1:6379/1): each "
                       "web process would keep its own Learning Assistant token and job locks")

# Threads, not gunicorn's default sync worker: a sync worker cannot tell gunicorn it is alive while it answers,
# so one streaming the audit log's CSV export (about 14,000 rows a second, no limit) for longer than `timeout`
# would be killed with the file cut short. Threads also let the single process without CACHE_URL answer several
# requests at once. Each thread holds its own database connection: workers x threads per host.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)

# A request is bounded by PostgreSQL cancelling a query after WEB_STATEMENT_TIMEOUT and a remote call giving up
# after its connect + read timeouts, each with a message the page shows. gunicorn's timeout kills a worker whose
# heartbeat stopped (with threads a hung process; with a sync worker any longer request), with every request it
# was answering and no word in the audit log: it comes well after both, so it never cuts one of those short.
_statement = _seconds("WEB_STATEMENT_TIMEOUT", 15)
_remote_call = _seconds("HTTP_CONNECT_TIMEOUT", 5) + _seconds("HTTP_READ_TIMEOUT", 30)
timeout = int(os.environ.get("WEB_TIMEOUT") or 2 * max(_statement, _remote_call))
if timeout <= max(_statement, _remote_call):
    raise RuntimeError(f"WEB_TIMEOUT={timeout} must be above WEB_STATEMENT_TIMEOUT ({_statement:g} s) and "
                       f"HTTP_CONNECT_TIMEOUT + HTTP_READ_TIMEOUT ({_remote_call:g} s)")
# On a restart (deploy, SIGHUP) or stop (SIGTERM) a request under way may finish.
graceful_timeout = timeout

# One line per request on standard output, with the correlation id the request's audit events and log lines
# carry (portal.middleware.AuditContextMiddleware puts it in the WSGI environ; "-" for a request refused earlier).
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms [%({portal.correlation_id}e)s]'

# gunicorn's control socket may change the number of workers at run time, past the shared-cache rule above.
control_socket_disable = True
