from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_context
from portal.http import RemoteError
from portal.integrations import integration_get, integrations
from portal.services import integration_connection_test


class Command(BaseCommand):
    help = ("Test the connection to every registered remote system (or those named): one line each. Exits "
            "non-zero when a configured system fails. --verbose also checks how each answer of a system that "
            "can describe them was read (e.g. learning_assistant).")

    def add_arguments(self, parser):
        parser.add_argument("systems", nargs="*", help="integration names (default: all)")
        parser.add_argument("--verbose", action="store_true",
                            help="call each read-only operation once and show how its answer was read")

    def handle(self, *args, systems, verbose, **options):
        try:
            chosen = [integration_get(name) for name in systems] if systems else list(integrations())
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        failed = []
        with audit_context(actor="command"):
            for integration in chosen:
                if not integration.is_configured():
                    self.stdout.write(f"{integration.label}: not configured")
                    continue
                check = integration_connection_test(name=integration.name)
                if check.ok:
                    self.stdout.write(self.style.SUCCESS(f"{integration.label}: ok. {check.message}"))
                else:
                    failed.append(str(integration.label))
                    self.stdout.write(self.style.ERROR(f"{integration.label}: failed. {check.message}"))
                    continue
                if verbose and integration.describe_answers:
                    try:
                        for line in integration.describe_answers():
                            self.stdout.write(f"  {line}")
                    except RemoteError as exc:
                        failed.append(str(integration.label))
                        self.stdout.write(self.style.ERROR(f"  {exc.message}"))
        if failed:
            raise CommandError(f"Connection failed: {', '.join(failed)}")
