from django.core.management.base import BaseCommand, CommandError

from accreditation import services
from portal.audit import audit_context


class Command(BaseCommand):
    help = "Send the due PE-online awards (batches of at most 100 per OrgID) and print the outcome per status."

    def handle(self, *args, **options):
        if not services.pe_online_configured():
            raise CommandError("PE-online is not configured: set PE_ONLINE_URL, PE_ONLINE_USER_ID and PE_ONLINE_USER_KEY.")
        with audit_context(actor="command"):
            counts = services.awards_submit()
        if not counts:
            self.stdout.write("No due awards.")
        for status, count in sorted(counts.items()):
            self.stdout.write(f"{status}: {count}")
