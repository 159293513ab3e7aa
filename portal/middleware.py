import time
import weakref

from django.conf import settings
from django.db import connection
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from portal.audit import audit_context


class RejectNulMiddleware:
    """A NUL character in a query parameter means nothing to any page, and PostgreSQL refuses it in a
    query (the admin's list filters answered 500): answer 400 before any view sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(_("A NUL character is not allowed in the address."))
        return self.get_response(request)


class AuditContextMiddleware:
    """Every request is one user action: one actor and one correlation id for all it records."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context(user=request.user, actor="anonymous") as ctx:
            request.correlation_id = ctx.correlation_id
            request.environ["portal.correlation_id"] = str(ctx.correlation_id)  # for gunicorn's access log
            return self.get_response(request)


class StatementTimeoutMiddleware:
    """On PostgreSQL, a web request's queries are cancelled after WEB_STATEMENT_TIMEOUT seconds, so a
    runaway query never keeps a database backend busy after the browser gave up. Only the web process
    runs middleware: workers, beat and migrations keep no limit."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.milliseconds = int(settings.WEB_STATEMENT_TIMEOUT * 1000)
        self.limited = weakref.WeakSet()  # the database connections (CONN_MAX_AGE keeps them) that have it
        # The health check runs only SELECT 1, and must answer 503 (not a server error) when the database is down.
        self.health_path = reverse("health")

    def __call__(self, request):
        if connection.vendor == "postgresql" and request.path_info != self.health_path:
            connection.ensure_connection()
            if connection.connection not in self.limited:
                with connection.cursor() as cursor:
                    # Per session, not SET LOCAL: requests do not run in one transaction.
                    cursor.execute("SET statement_timeout = %s", [self.milliseconds])
                self.limited.add(connection.connection)
        return self.get_response(request)


class NoStoreForUsersMiddleware:
    """Every page a logged-in user gets may hold learner data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


SESSION_REFRESHED_KEY = "_portal_refreshed"


class SessionIdleMiddleware:
    """The idle timeout (SESSION_IDLE_MINUTES) without writing the session on every request: the end
    of a session moves on at most once every SESSION_REFRESH_SECONDS, plenty for a timeout of hours,
    and at least every tenth of the timeout (a one-minute timeout moving once a minute ended the
    session of a user active all along). Saving it each time cost every page three queries and a write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            step = min(settings.SESSION_REFRESH_SECONDS, settings.SESSION_COOKIE_AGE // 10)
            if now - session.get(SESSION_REFRESHED_KEY, 0) >= step:
                session[SESSION_REFRESHED_KEY] = now  # modified: SessionMiddleware saves it with a new end
        return response

