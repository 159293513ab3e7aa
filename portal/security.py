"""Who is asking, and what a user without a permission may learn from the answer."""

from django.conf import settings
from django.contrib.auth import get_user_model, mixins
from django.http import Http404

from portal.validators import shown


class PermissionRequiredMixin(mixins.PermissionRequiredMixin):
    """Django's, except on the page of one object (a ``pk`` in the URL): there a logged-in user without
    the permission gets 404 whether the object exists or not, as a 403 would tell which ids exist.
    Anonymous visitors still go to the login page."""

    def handle_no_permission(self):
        if self.request.user.is_authenticated and "pk" in self.kwargs:
            raise Http404
        return super().handle_no_permission()


def client_ip(request) -> str | None:
    """The client's address for login throttling. Behind our TLS proxy every request comes from the
    proxy, which appends the address it saw to X-Forwarded-For: that last entry is the one to trust
    (the ones before it are whatever the client sent). Without the proxy the header is the client's own
    claim and is ignored."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rpartition(",")[2].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def client_username(request, credentials: dict | None = None) -> str | None:
    """The user name a sign-in was tried with, for login throttling: no longer than a user name can be,
    so the throttle's record of a refused 10,000-character name fits its column (255) and the attempt
    is refused like any other. No control characters either: PostgreSQL refuses a NUL."""
    data = credentials if credentials is not None else getattr(request, "data", request.POST)
    username = data.get("username")
    if username is None:
        return None
    limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
    return shown(str(username))[:limit]
