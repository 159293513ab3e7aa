"""Writes of the learner import: the upload (the file stored, its preview started as a job), the
preview (the file parsed, matched and stored row by row; no learner touched), the confirmation, the run that creates and updates learners in bulk, and,
when asked for, a job per remote system that takes imported learners (the integrations'
``learners_imported`` hook).

All audit events of one import share the import's correlation id.
"""

import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import batched

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from portal.audit import audit_context, audit_record, audit_record_many, created_changes, diff
from portal.db import bulk_insert, gc_paused
from portal.http import RemoteError
from portal.imports.models import LearnerImport, LearnerImportChunk, LearnerImportRow
from portal.imports.parsing import COLUMNS, ImportFileError, ParsedFile, ParsedRow, parse_file, parse_pieces
from portal.integrations import import_hooks, integration_get, integration_require
from portal.jobs import JobProgress, job_fail, job_handler, job_launch
from portal.locks import lock_hold, slot_hold
from portal.models import Job, Learner, external_id_generate
from portal.pe_numbers import PENumber
from portal.services import learner_snapshot, pe_registrations_insert, pe_registrations_replace
from portal.texts import text_result

BATCH_SIZE = 5000
_FIELDS = [name for name in COLUMNS.values() if name]
NEW, UPDATE, UNCHANGED, SKIP, ERROR = (LearnerImportRow.NEW, LearnerImportRow.UPDATE, LearnerImportRow.UNCHANGED,
                                       LearnerImportRow.SKIP, LearnerImportRow.ERROR)


class ImportRunError(Exception):
    """The database refused a batch: learners changed between the preview and the import."""


def learner_import_upload(*, upload, update_existing: bool, push_to: Sequence[str] = (), user=None) -> LearnerImport:
    """Store an uploaded file (a Django ``UploadedFile``) in the database, a piece at a time, and start the
    job that checks it and makes the preview: the web request neither reads the whole file nor parses it.
    ``push_to`` as for :func:`learner_import_preview`."""
    with transaction.atomic():
        learner_import = LearnerImport.objects.create(
            file_name=upload.name[:255], update_existing=update_existing, push_to=_offered(push_to), created_by=user)
        LearnerImportChunk.objects.bulk_create(
            LearnerImportChunk(learner_import=learner_import, number=number, data=piece)
            for number, piece in enumerate(_pieces(upload)))
        learner_import.preview_job = job_launch(
            kind="learner_import_preview", title=_("Check of %(file)s") % {"file": learner_import.file_name},
            params={"learner_import_id": learner_import.pk}, user=user, correlation_id=learner_import.correlation_id)
        learner_import.save(update_fields=["preview_job"])
    return learner_import


def _pieces(upload) -> Iterator[bytes]:
    """The file a piece at a time (``UploadedFile.chunks`` gives a file kept in memory in one piece)."""
    upload.seek(0)
    while piece := upload.read(LearnerImportChunk.SIZE):
        yield piece


@job_handler("learner_import_preview")
def learner_import_preview_job(job, progress) -> dict:
    """Check the stored file, reading it a piece at a time, and store the preview; the file's pieces are
    deleted either way. A bad file fails the job with the parser's message, which the preview page shows."""
    learner_import = job.learner_import_preview
    try:
        with _check_slot():
            parsed = _parse_stored(learner_import)
            # Not one transaction: each batch commits, so that the page sees the progress.
            with audit_context(correlation_id=learner_import.correlation_id):
                _preview_store(learner_import, parsed, progress)
    except BaseException:
        learner_import.rows.all().delete()
        raise
    finally:
        learner_import.chunks.all().delete()
    counts = {key: learner_import.counts[key] for key in LearnerImport.COUNT_KEYS}
    return {**text_result("imports.checked", **counts), "next_url": learner_import.get_absolute_url()}


# Abandoned uploads one sweep expires, the oldest first (each may hold some fifty 1 MB pieces).
EXPIRE_BATCH = 100


def learner_import_uploads_expire() -> dict:
    """Beat: delete the stored pieces of uploaded files that no check will read, so that no file (whose
    Password column holds passwords) stays in the database longer than ``IMPORT_UPLOAD_KEEP_HOURS``.

    The check deletes its file itself, finished or failed; what is left is the file of a check whose
    process died in that moment, and of one that never finished (its worker gone, the broker's message
    lost): after the hours allowed its job fails with a message saying so, which the import's page
    shows. Running it again changes nothing. Audited with the counts only."""
    pending = LearnerImport.objects.filter(Exists(LearnerImportChunk.objects.filter(learner_import=OuterRef("pk"))))
    checked = pending.filter(preview_job__status__in=[Job.SUCCEEDED, Job.FAILED])
    leftover = LearnerImportChunk.objects.filter(learner_import__in=checked.values("pk")).delete()[0]
    cutoff = timezone.now() - timedelta(hours=settings.IMPORT_UPLOAD_KEEP_HOURS)
    expired = 0
    for learner_import in (pending.filter(created_at__lt=cutoff).select_related("preview_job")
                           .order_by("created_at")[:EXPIRE_BATCH]):
        expired += _upload_expire(learner_import)
    if leftover or expired:
        audit_record(action="learner_import.uploads_expire", summary=_(
            "Deleted the stored files of %(expired)d uploads not checked within %(hours)d hours, and "
            "%(leftover)d pieces left by finished checks.")
            % {"expired": expired, "hours": settings.IMPORT_UPLOAD_KEEP_HOURS, "leftover": leftover})
    return {"expired": expired, "leftover_pieces": leftover}


def _upload_expire(learner_import: LearnerImport) -> int:
    """Fail the import's check and delete its file, unless the check is running now (its lock is taken)."""
    job = learner_import.preview_job
    with lock_hold(f"job:{job.pk}") as taken:  # the check cannot start meanwhile, and finds itself failed
        if not taken:
            return 0
        with audit_context(correlation_id=learner_import.correlation_id), transaction.atomic():
            job_fail(job, _("The file was not checked within %(hours)d hours of its upload and has been deleted. "
                            "Upload it again.") % {"hours": settings.IMPORT_UPLOAD_KEEP_HOURS})
            Job.objects.filter(pk=job.pk).update(result={"expired": True})  # the list of imports says so
            learner_import.chunks.all().delete()
    return 1


def learner_import_preview(*, data: bytes, file_name: str, update_existing: bool, push_to: Sequence[str] = (),
                           user=None) -> LearnerImport:
    """Parse and check the file and store the outcome of every row, here and now (the management command
    does; the upload page uses :func:`learner_import_upload`). Raises ImportFileError for a bad file.

    ``push_to`` names the integrations (of :func:`~portal.integrations.import_hooks`) that get the
    imported learners afterwards; a name not offered now is left out."""
    with _check_slot():
        parsed = _parse(data)
        correlation_id = uuid.uuid4()
        with audit_context(correlation_id=correlation_id), transaction.atomic():
            learner_import = LearnerImport.objects.create(
                file_name=file_name[:255], update_existing=update_existing, push_to=_offered(push_to),
                correlation_id=correlation_id, created_by=user,
            )
            _preview_store(learner_import, parsed)
    return learner_import


@contextmanager
def _check_slot() -> Iterator[None]:
    """At most ``IMPORT_MAX_CHECKS`` checks at once, in all processes (a lock per slot: on PostgreSQL across
    every worker; on SQLite across the processes sharing ``CACHE_URL``). A check beyond them waits, having
    read nothing yet, as a check takes seconds to minutes; after ``IMPORT_CHECK_WAIT_SECONDS`` it gives up,
    so that a worker is not held for ever, and says so."""
    with slot_hold("learner-import-check", settings.IMPORT_MAX_CHECKS,
                   wait=settings.IMPORT_CHECK_WAIT_SECONDS) as taken:
        if not taken:
            raise ImportFileError(ngettext(
                "The file was not checked: %(count)d other file was being checked all the time this one could "
                "wait. Upload it again in a few minutes.",
                "The file was not checked: %(count)d other files were being checked all the time this one could "
                "wait. Upload it again in a few minutes.", settings.IMPORT_MAX_CHECKS)
                % {"count": settings.IMPORT_MAX_CHECKS})
        yield


def _offered(push_to: Sequence[str]) -> list[str]:
    offered = {integration.name for integration in import_hooks()}
    return [name for name in push_to if name in offered]


def _parse(data: bytes) -> ParsedFile:
    return parse_file(data, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES, max_rows=settings.IMPORT_MAX_ROWS,
                      default_org_id=settings.PE_ONLINE_ORG_ID)


def _parse_stored(learner_import: LearnerImport) -> ParsedFile:
    """Check the stored file; each pass reads its pieces one query at a time, so one piece is in memory."""
    chunks = learner_import.chunks.all()
    size = chunks.aggregate(size=Sum(Length("data")))["size"] or 0
    numbers = list(chunks.order_by("number").values_list("number", flat=True))

    def pieces() -> Iterator[bytes]:
        for number in numbers:
            yield chunks.filter(number=number).values_list("data", flat=True).get()

    return parse_pieces(pieces, size=size, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
                        max_rows=settings.IMPORT_MAX_ROWS, default_org_id=settings.PE_ONLINE_ORG_ID)


def _preview_store(learner_import: LearnerImport, parsed: ParsedFile, progress: JobProgress | None = None) -> None:
    learner_import.encoding, learner_import.delimiter = parsed.encoding, parsed.delimiter
    learner_import.columns, learner_import.file_warnings = parsed.columns, parsed.warnings
    if progress:
        progress.set_total(parsed.row_count)
    counts = Counter(total=parsed.row_count)
    with gc_paused():  # parsing too: each batch of rows lives until it is stored
        for batch in batched(parsed.rows(), BATCH_SIZE):
            rows = _classify(learner_import, batch)
            counts.update(row["action"] for row in rows)
            counts["warning"] += sum(1 for row in rows if row["warnings"])
            bulk_insert(LearnerImportRow, rows)
            if progress:
                progress.advance(len(batch))
    learner_import.counts = {key: counts[key] for key in LearnerImport.COUNT_KEYS}
    learner_import.previewed_at = timezone.now()
    with transaction.atomic():
        learner_import.save(update_fields=["encoding", "delimiter", "columns", "file_warnings", "counts",
                                           "previewed_at"])
        audit_record(action="learner_import.upload", obj=learner_import,
                     summary=format_lazy(gettext_lazy("Uploaded {file}: {counts}"), file=learner_import.file_name,
                                         counts=_lazy_counts(learner_import)))


def _classify(learner_import: LearnerImport, batch: tuple[ParsedRow, ...]) -> list[dict]:
    """Match a batch of rows with existing learners (one query) and decide what each row will do."""
    external_ids = {row.values["external_id"] for row in batch if "external_id" in row.values}
    logins = {row.values["login"] for row in batch if "login" in row.values}
    existing = list(Learner.objects.filter(Q(external_id__in_array=external_ids) | Q(login__in_array=logins))
                    .values("id", *_FIELDS))
    by_external_id = {learner["external_id"]: learner for learner in existing if learner["external_id"]}
    by_login = {learner["login"]: learner for learner in existing if learner["login"]}
    return [_classify_row(learner_import, row, by_external_id, by_login) for row in batch]


def _classify_row(learner_import, row: ParsedRow, by_external_id, by_login) -> dict:
    """The LearnerImportRow to store, as the field values :func:`bulk_insert` takes."""
    external_id, login = row.values.get("external_id"), row.values.get("login")
    learner = by_external_id.get(external_id)
    login_owner = by_login.get(login)
    if learner is None:
        learner = login_owner
        if learner and external_id and learner["external_id"]:
            row.error("ExternalID", _("Login %(login)s belongs to existing learner %(name)s with ExternalID "
                                      "%(other)s: use that ExternalID or leave it empty.")
                      % {"login": login, "name": _full_name(learner), "other": learner["external_id"]})
    elif login_owner and login_owner["id"] != learner["id"]:
        message = (_("Login %(login)s belongs to existing learner %(name)s with ExternalID %(other)s, not to "
                     "%(own)s with ExternalID %(external_id)s: give a Login of %(own)s, or leave it empty.")
                   if login_owner["external_id"] else
                   _("Login %(login)s belongs to existing learner %(name)s, not to %(own)s with ExternalID "
                     "%(external_id)s: give a Login of %(own)s, or leave it empty."))
        row.error("Login", message % {"login": login, "name": _full_name(login_owner),
                                      "other": login_owner["external_id"], "own": _full_name(learner),
                                      "external_id": external_id})

    if row.errors:
        action = ERROR
    elif learner is None:
        action = NEW
    elif all(_as_text(learner[name]) == value for name, value in row.values.items()):
        action = UNCHANGED
    else:
        action = UPDATE if learner_import.update_existing else SKIP
    return {"learner_import_id": learner_import.pk, "line": row.line, "action": action, "values": row.values,
            "errors": row.errors, "warnings": row.warnings, "learner_id": learner["id"] if learner else None,
            "pe_numbers": row.pe_numbers}


def _full_name(learner: Mapping) -> str:
    return " ".join(learner[part] for part in ("first_name", "middle_name", "last_name") if learner[part])


def _as_text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def learner_import_confirm(*, learner_import: LearnerImport, valid_only: bool, push_to: Sequence[str] | None = None,
                           user=None, background: bool = True) -> LearnerImport:
    """Accept the preview. In the background (the default) a job imports the rows once this commits;
    otherwise the caller runs :func:`learner_import_apply` itself (the management command does).
    ``push_to``, as chosen on the preview, replaces the upload's choice; None keeps it."""
    with audit_context(correlation_id=learner_import.correlation_id), transaction.atomic():
        learner_import = LearnerImport.objects.select_for_update().get(pk=learner_import.pk)
        if learner_import.confirmed_at:
            raise ValidationError(_("This import has been confirmed already."))
        if not learner_import.previewed_at:
            raise ValidationError(_("The file has not been checked yet; wait for its preview."))
        errors = learner_import.counts[ERROR]
        if errors and not valid_only:
            raise ValidationError(
                ngettext("%(count)d row has errors, so nothing was imported. Correct the file and upload it "
                         "again, or choose to import the valid rows only.",
                         "%(count)d rows have errors, so nothing was imported. Correct the file and upload it "
                         "again, or choose to import the valid rows only.", errors) % {"count": errors})
        learner_import.valid_only = valid_only
        changes = {}
        if push_to is not None and _offered(push_to) != learner_import.push_to:
            changes["push_to"] = {"before": learner_import.push_to, "after": _offered(push_to)}
            learner_import.push_to = changes["push_to"]["after"]
        learner_import.confirmed_at = timezone.now()
        if background:
            learner_import.job = job_launch(
                kind="learner_import", title=_("Import of %(file)s") % {"file": learner_import.file_name},
                params={"learner_import_id": learner_import.pk}, user=user, total=learner_import.to_import,
                correlation_id=learner_import.correlation_id)
        learner_import.save(update_fields=["valid_only", "push_to", "confirmed_at", "job"])
        audit_record(action="learner_import.confirm", obj=learner_import, changes=changes,
                     summary=format_lazy(gettext_lazy("Confirmed {file} (valid rows only): {counts}") if valid_only
                                         else gettext_lazy("Confirmed {file}: {counts}"),
                                         file=learner_import.file_name, counts=_lazy_counts(learner_import)))
    return learner_import


@job_handler("learner_import")
def learner_import_job(job, progress) -> dict:
    learner_import = job.learner_import
    result = learner_import_apply(learner_import=learner_import, progress=progress)
    for name in learner_import.push_to:
        try:
            learner_import_push_start(learner_import=learner_import, integration=name, user=job.created_by)
        except RemoteError as exc:  # configured at the upload, no longer now
            result = {**result, "summary": f"{result['summary']} {exc.message}", "note": exc.message}
    return result


def learner_import_apply(*, learner_import: LearnerImport, progress) -> dict:
    """Create and update the learners of the confirmed rows, a batch per transaction (so the progress
    shows), with their PE registrations and one audit event per learner. ``progress`` is a
    :class:`~portal.jobs.JobProgress` or anything with its ``set_total`` and ``advance``."""
    pending = learner_import.rows.filter(action__in=[NEW, UPDATE]).order_by("line")
    progress.set_total(learner_import.to_import)
    created = updated = 0
    last_line = pending.aggregate(last=Max("line"))["last"] or 0
    with audit_context(correlation_id=learner_import.correlation_id):
        # A window of lines per batch, not "the next BATCH_SIZE rows after the last line" (LIMIT): the
        # database then reads and sorts only the window, not every row still to come, for each batch.
        for start in range(0, last_line, BATCH_SIZE):
            batch = list(pending.filter(line__gt=start, line__lte=start + BATCH_SIZE)
                         .values_list("pk", "line", "action", "values", "learner_id", "pe_numbers"))
            if not batch:
                continue
            try:
                with transaction.atomic(), gc_paused():
                    batch_created, batch_updated = _apply_batch(batch)
            except IntegrityError as exc:
                raise ImportRunError(
                    _("Rows %(first)d to %(last)d could not be saved, because learners changed after the preview "
                      "(%(error)s). The rows before them were imported; upload the file again for the rest.")
                    % {"first": batch[0][1], "last": batch[-1][1], "error": exc}) from exc
            created, updated = created + batch_created, updated + batch_updated
            progress.advance(len(batch))
    learner_import.result = {
        "created": created,
        "updated": updated,
        **text_result("imports.applied", created=created, updated=updated),
    }
    learner_import.finished_at = timezone.now()
    learner_import.save(update_fields=["result", "finished_at"])
    return learner_import.result


def _apply_batch(batch: list[tuple]) -> tuple[int, int]:
    new_rows = [(pk, line, values, pe_numbers)
                for pk, line, action, values, _learner_id, pe_numbers in batch if action == NEW]
    update_rows = [(line, values, learner_id, pe_numbers)
                   for _pk, line, action, values, learner_id, pe_numbers in batch if action == UPDATE]
    new_learners = [_new_learner_values(values) for _pk, _line, values, _pe_numbers in new_rows]
    created = bulk_insert(Learner, new_learners)
    # Each new row links to the learner it created, as the other rows link to the learner they matched.
    _rows_link([(learner_id, pk) for (pk, *_rest), learner_id in zip(new_rows, created, strict=True)])
    audit_entries, new_numbers, numbers = [], {}, {}
    for learner_id, new_values, (_pk, line, values, pe_numbers) in zip(created, new_learners, new_rows, strict=True):
        name = " ".join(values[part] for part in ("first_name", "middle_name", "last_name") if values.get(part))
        # The learner's new values are the file's cells (and a generated external ID): no snapshot and diff.
        changes = created_changes({**values, "external_id": new_values["external_id"]})
        audit_entries.append(_audit_entry("learner.create", learner_id, name, changes,
                                          f"Created {name} (import row {line})"))
        if "custom1" in values:
            new_numbers[learner_id] = _pe_numbers(pe_numbers)

    existing = Learner.objects.in_bulk([learner_id for _line, _values, learner_id, _numbers in update_rows])
    changed, now = [], timezone.now()
    for line, values, learner_id, pe_numbers in update_rows:
        learner = existing.get(learner_id)
        if learner is None:  # deleted after the preview
            continue
        before = learner_snapshot(learner)
        for name, value in _field_values(values).items():
            setattr(learner, name, value)
        changes = diff(before, learner_snapshot(learner))
        if changes:
            learner.updated_at = now
            changed.append(learner)
            audit_entries.append(_audit_entry("learner.update", learner.pk, learner.full_name, changes,
                                              f"Changed {', '.join(changes)} (import row {line})"))
            if "custom1" in changes:
                numbers[learner.pk] = _pe_numbers(pe_numbers)
    fields = sorted({name for _line, values, _learner_id, _numbers in update_rows for name in values} | {"updated_at"})
    Learner.objects.bulk_update(changed, fields, batch_size=500)
    pe_registrations_insert(numbers_by_learner=new_numbers)
    pe_registrations_replace(numbers_by_learner=numbers)
    audit_record_many(audit_entries)
    return len(created), len(changed)


def _rows_link(pairs: list[tuple[int, int]]) -> None:
    """Set the learner of each (learner_id, row_id): one statement run for all pairs, where ``bulk_update``
    would build a CASE over every row of the batch."""
    meta = LearnerImportRow._meta
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.executemany(f"UPDATE {quote(meta.db_table)} SET {quote(meta.get_field('learner').column)} = %s "
                           f"WHERE {quote(meta.pk.column)} = %s", pairs)


def _new_learner_values(values: Mapping[str, str]) -> dict[str, object]:
    """A new learner from a row; without an ExternalID the portal makes one (never the login)."""
    fields = _field_values(values)
    if not fields.get("external_id"):
        fields.update(external_id=external_id_generate(), external_id_generated=True)
    return fields


def _field_values(values: Mapping[str, str]) -> dict[str, object]:
    return {name: date.fromisoformat(value) if name == "date_of_birth" else value for name, value in values.items()}


def _pe_numbers(stored: list[list]) -> list[PENumber]:
    """The numbers the preview parsed from Custom1 and stored."""
    return [PENumber(org_id, number) for org_id, number in stored]


def _lazy_counts(learner_import: LearnerImport):
    """The import's counts, said in the language the audit log stores them in (see ``audit_record``)."""
    return lazy(lambda: learner_import.counts_summary, str)()


# The bulk path's summaries are plain English: 100,000 lazy strings would cost the import time for nothing.
def _audit_entry(action: str, learner_id: int, name: str, changes: Mapping, summary: str) -> dict:
    return {"action": action, "learner_id": learner_id, "object_type": Learner._meta.label_lower,
            "object_id": str(learner_id), "object_repr": name[:255], "summary": summary[:500],
            "changes": changes}


# --- the imported learners to other systems ---------------------------------------------------
def learner_import_push_start(*, learner_import: LearnerImport, integration: str, user=None) -> Job:
    """Start the integration's job that takes the imported learners (it runs after this commits).
    Its audit events carry the import's correlation id. Raises NotConfigured if the system is not."""
    hook = integration_require(integration).learners_imported
    with transaction.atomic():
        job = hook(learner_ids=_imported_learner_ids(learner_import), user=user,
                   correlation_id=learner_import.correlation_id,
                   title=_("The learners of %(file)s to %(system)s")
                   % {"file": learner_import.file_name, "system": integration_get(integration).label})
        learner_import.push_jobs.add(job)
    return job


def _imported_learner_ids(learner_import: LearnerImport) -> list[int]:
    """The learners the import created or updated. A new row does not record the learner it created;
    that learner is the one with the row's ExternalID or Login, which no learner had at the preview."""
    rows, new = learner_import.rows, learner_import.rows.filter(action=NEW)
    return list(Learner.objects.filter(
        Q(pk__in=rows.filter(action=UPDATE).values("learner_id"))
        | Q(external_id__in=new.values(key=KT("values__external_id")))
        | Q(login__in=new.values(key=KT("values__login")))
    ).order_by("pk").values_list("pk", flat=True))
