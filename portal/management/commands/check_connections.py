from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_context
from portal.integrations import integrations
from portal.services import integration_connection_test


class Command(BaseCommand):
    help = ("Test the connection to every registered remote system: one line each. Exits non-zero when a "
            "configured system fails.")

    def handle(self, *args, **options):
        failed = []
        with audit_context(actor="command"):
            for integration in integrations():
                if not integration.is_configured():
                    self.stdout.write(f"{integration.label}: not configured")
                    continue
                check = integration_connection_test(name=integration.name)
                if check.ok:
                    self.stdout.write(self.style.SUCCESS(f"{integration.label}: ok. {check.message}"))
                else:
                    failed.append(str(integration.label))
                    self.stdout.write(self.style.ERROR(f"{integration.label}: failed. {check.message}"))
        if failed:
            raise CommandError(f"Connection failed: {', '.join(failed)}")
