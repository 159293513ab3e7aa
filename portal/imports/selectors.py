"""Reads of the learner import for its pages and the management command."""

from collections.abc import Iterator

from django.db.models import Q, QuerySet

from portal.imports.models import LearnerImport, LearnerImportRow
from portal.imports.parsing import COLUMNS, ERRORS_COLUMN
from portal.spreadsheet import csv_export_lines

WARNING = "warning"  # the rows with warnings, whatever their action


def import_list() -> QuerySet[LearnerImport]:
    """Every import, newest first (by key: the primary key's index serves the order), with the two jobs its
    status reads."""
    return (LearnerImport.objects.select_related("created_by", "preview_job", "job")
            .defer("columns", "file_warnings", "preview_job__params", "preview_job__error", "job__params",
                   "job__result", "job__error")
            .order_by("-pk"))


def import_rows(*, learner_import: LearnerImport, show: str = "") -> QuerySet[LearnerImportRow]:
    """The rows of an import in file order; ``show`` narrows them to one action or to WARNING."""
    rows = learner_import.rows.order_by("line")
    if show == WARNING:
        return rows.exclude(warnings=[])
    if show in dict(LearnerImportRow.ACTION_CHOICES):
        return rows.filter(action=show)
    return rows


def import_problem_rows(*, learner_import: LearnerImport) -> QuerySet[LearnerImportRow]:
    return learner_import.rows.filter(Q(action=LearnerImportRow.ERROR) | ~Q(warnings=[])).order_by("line")


def import_error_lines(*, learner_import: LearnerImport) -> Iterator[str]:
    """The rows with errors as a CSV file to correct and upload again, streamed: the file's columns (those the
    portal keeps: never Password) in its order and with its separator, then the row's errors."""
    columns = [column for column in learner_import.columns if COLUMNS[column]]
    rows = (learner_import.rows.filter(action=LearnerImportRow.ERROR).order_by("line")
            .values_list("values", "errors").iterator(chunk_size=2000))
    return csv_export_lines(
        header=[*columns, ERRORS_COLUMN], separator=learner_import.delimiter,
        rows=([values.get(COLUMNS[column], "") for column in columns]
              + ["; ".join(LearnerImportRow.describe(errors))] for values, errors in rows))
