from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.audit import audit_context
from portal.imports.parsing import ImportFileError
from portal.imports.selectors import import_problem_rows
from portal.imports.services import (
    learner_import_apply,
    learner_import_confirm,
    learner_import_preview,
    learner_import_push_start,
)
from portal.integrations import import_hooks, integrations
from portal.jobs import jobs_local_wait

MAX_PROBLEMS_SHOWN = 50


class TerminalProgress:
    """The import's progress as a bar, when the output is a terminal (silent in logs and pipes)."""

    WIDTH = 40

    def __init__(self, out):
        self.out, self.total, self.done = out, 0, 0

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.out.isatty() or not self.total:
            return
        filled = self.WIDTH * self.done // self.total
        end = "\n" if self.done >= self.total else ""
        self.out.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total}", ending=end)
        self.out.flush()


class Command(BaseCommand):
    help = ("Import learners from a CSV file in aNewSpring's user-import format: the same checks, preview "
            "and audit events as the import page.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and show the preview; write nothing.")
        parser.add_argument("--update-existing", action="store_true",
                            help="Update learners that exist already (by default they are left as they are).")
        parser.add_argument("--valid-only", action="store_true",
                            help="Import the valid rows even when other rows have errors.")
        parser.add_argument("--push-to", action="append", default=[], metavar="SYSTEM",
                            help="Then send the imported learners to this remote system, e.g. anewspring "
                                 "(repeat for more). Systems: "
                                 + (", ".join(i.name for i in integrations() if i.learners_imported) or "none"))

    def handle(self, *args, file: Path, dry_run: bool, update_existing: bool, valid_only: bool,
               push_to: list[str], **options):
        offered = {integration.name for integration in import_hooks()}
        for name in push_to:
            if name not in offered:
                raise CommandError(f"{name} is not a configured system that takes imported learners "
                                   f"(configured: {', '.join(sorted(offered)) or 'none'}).")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        with audit_context(actor="command"):
            with transaction.atomic():
                try:
                    learner_import = learner_import_preview(data=data, file_name=file.name,
                                                            update_existing=update_existing, push_to=push_to)
                except ImportFileError as exc:
                    raise CommandError(str(exc)) from exc
                self._print_preview(learner_import)
                if dry_run:
                    transaction.set_rollback(True)
                    self.stdout.write("Dry run: nothing written.")
                    return
            try:
                learner_import = learner_import_confirm(learner_import=learner_import, valid_only=valid_only,
                                                        background=False)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            result = learner_import_apply(learner_import=learner_import, progress=TerminalProgress(self.stdout))
            self.stdout.write(self.style.SUCCESS(result["summary"]))
            push_jobs = [learner_import_push_start(learner_import=learner_import, integration=name) for name in push_to]
            jobs_local_wait()  # without a broker the jobs run on this process's threads, which end with it
            for job in push_jobs:
                self._print_push(job)
        self.stdout.write(f"Audit events: correlation id {learner_import.correlation_id}")

    def _print_push(self, job) -> None:
        """Without a broker the job has run by now; with one, a worker runs it."""
        job.refresh_from_db()
        if not job.finished:
            self.stdout.write(f"{job.title}: runs in the background as job {job.pk}.")
            return
        if job.status == job.FAILED:
            self.stdout.write(self.style.ERROR(f"{job.title}: {job.error}"))
            return
        self.stdout.write(job.result.get("summary", job.title))
        # The learners the job could not handle, with the reason.
        for outcome in job.result.get("outcomes", [])[:MAX_PROBLEMS_SHOWN]:
            self.stdout.write(self.style.WARNING(f"{outcome['learner']}: {outcome['message']}"))

    def _print_preview(self, learner_import) -> None:
        self.stdout.write(f"{learner_import.file_name} ({learner_import.encoding}, "
                          f"separator {learner_import.delimiter!r})")
        self.stdout.write(learner_import.counts_summary)
        for warning in learner_import.file_warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        rows = import_problem_rows(learner_import=learner_import)
        for row in rows[:MAX_PROBLEMS_SHOWN]:
            for text in row.error_texts:
                self.stdout.write(self.style.ERROR(f"row {row.line}, {text}"))
            for text in row.warning_texts:
                self.stdout.write(self.style.WARNING(f"row {row.line}, {text} (warning)"))
        hidden = rows.count() - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            self.stdout.write(f"… and {hidden} more rows with errors or warnings (see the import page).")
