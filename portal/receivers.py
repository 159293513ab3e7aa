"""Django's sign-in signals, handed to the services that audit them."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal import services


@receiver(user_logged_in, dispatch_uid="portal.audit.login")
def _signed_in(sender, request, user, **kwargs):
    services.sign_in_record(user=user)


@receiver(user_login_failed, dispatch_uid="portal.audit.login_failed")
def _sign_in_refused(sender, credentials, request=None, **kwargs):
    services.sign_in_refused_record(username=str(credentials.get("username") or ""))


@receiver(user_logged_out, dispatch_uid="portal.audit.logout")
def _signed_out(sender, request, user, **kwargs):
    services.sign_out_record(user=user)
