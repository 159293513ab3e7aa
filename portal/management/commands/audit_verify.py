from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_chain_check, audit_context


class Command(BaseCommand):
    help = ("Recompute the audit log's hash chain. Exits non-zero and names the first event that was changed, "
            "removed or inserted out of order. The verdict is recorded in the log, as the beat job's is.")

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=5000,
                            help="Events read from the database at a time (memory stays constant).")

    def handle(self, *args, chunk_size: int, **options):
        with audit_context(actor="command"):
            verdict = audit_chain_check(chunk_size=chunk_size)
        if not verdict.ok:
            raise CommandError(verdict.message)
        self.stdout.write(verdict.message)
