"""Who is asking, and what a user without a permission may learn from the answer."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, mixins
from django.core import checks
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


# The remote systems' addresses: each call carries a key, a userKey or a password.
REMOTE_URL_SETTINGS = ("ANEWSPRING_URL", "PE_ONLINE_URL", "LEARNING_ASSISTANT_URL")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@checks.register(checks.Tags.security, deploy=True)
def remote_urls_use_https(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Plain http to a remote system sends its secrets readable to anyone on the way; only loopback
    (the demo's and the tests' sandboxes) may go without TLS."""
    errors = []
    for name in REMOTE_URL_SETTINGS:
        url = urlsplit(getattr(settings, name, "") or "")
        if url.scheme == "http" and not is_loopback(url.hostname or ""):
            errors.append(checks.Error(
                f"{name} is a plain http:// address: the portal would send its credentials unencrypted.",
                hint=f"Use the https:// address in {name}.", id="portal.E110"))
    return errors
