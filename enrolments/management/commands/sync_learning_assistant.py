from django.core.management.base import BaseCommand, CommandError

from enrolments import services
from portal.audit import audit_context
from portal.http import RemoteError


class Command(BaseCommand):
    help = ("Sync Learning Assistant's reference lists (frameworks, trainers, companies, nationalities, ethnicities). "
            "Exits non-zero when a list could not be synced (its previous entries are kept).")

    def handle(self, *args, **options):
        try:
            with audit_context(actor="command"):
                syncs = services.reference_sync()
        except services.ReferenceSyncIncomplete as exc:
            self._report(exc.syncs)
            raise CommandError(exc.message) from exc
        except RemoteError as exc:
            raise CommandError(exc.message) from exc
        self._report(syncs)

    def _report(self, syncs) -> None:
        for sync in syncs:
            skipped = f", {sync.skipped_count} without key or name not stored" if sync.skipped_count else ""
            self.stdout.write(f"{sync.get_list_name_display()}: {sync.total} entries, {sync.added_count} added, "
                              f"{sync.removed_count} removed, {sync.renamed_count} renamed{skipped}")
