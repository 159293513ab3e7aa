"""Reads of the learner import for its pages and the management command."""

from django.db.models import Q, QuerySet

from portal.imports.models import LearnerImport, LearnerImportRow

WARNING = "warning"  # the rows with warnings, whatever their action


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
