from django.core.management.base import BaseCommand, CommandError

from enrolments import services
from portal.http import RemoteError
from portal.audit import audit_context


class Command(BaseCommand):
    help = "Sync Learning Assistant's reference lists (frameworks, trainers, companies, nationalities, ethnicities)."

    def handle(self, *args, **options):
        try:
            with audit_context(actor="command"):
                syncs = services.reference_sync()
        except RemoteError as exc:
            raise CommandError(exc.message) from exc
        for sync in syncs:
            self.stdout.write(f"{sync.get_list_name_display()}: {sync.total} entries, {sync.added_count} added, "
                              f"{sync.removed_count} removed, {sync.renamed_count} renamed")
