from django.core.management.base import BaseCommand

from portal import notifications
from portal.audit import audit_context


class Command(BaseCommand):
    help = ("Send the daily worklist digests now, as the hourly beat job does (from NOTIFY_DIGEST_HOUR on, at most "
            "one per user a day, none for an empty worklist): for running without a broker, or to try EMAIL_URL.")

    def handle(self, *args, **options):
        with audit_context(actor="command"):
            counts = notifications.digests_send()
        self.stdout.write(f"Digests sent: {counts.get('sent', 0)}; not sent (see the audit log): "
                          f"{counts.get('failed', 0)}.")
