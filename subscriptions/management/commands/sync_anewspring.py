"""``manage.py sync_anewspring``: the catalogue sync the Catalogue page's button starts."""

from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_context
from subscriptions.client import AnewspringError
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.refresh import results_refresh_active


class Command(BaseCommand):
    help = "Sync templates and courses from aNewSpring; with --results also refresh active subscriptions' results."

    def add_arguments(self, parser):
        parser.add_argument("--results", action="store_true",
                            help="Also refresh one batch of active subscriptions' results (as Celery beat does).")

    def handle(self, *args, results=False, **options):
        with audit_context(actor="command"):
            try:
                outcome = catalogue_sync()
            except AnewspringError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(outcome["summary"])
            for failure in outcome["failures"]:
                self.stderr.write(f"{failure['template']}: {failure['error']}")
            if results:
                self.stdout.write(str(results_refresh_active()["summary"]))
