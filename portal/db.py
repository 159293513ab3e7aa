"""Bulk writes for jobs that touch 100,000 rows (the CSV import and its audit events)."""

import gc
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from operator import itemgetter
from typing import Any

from django.db import connections, models, router
from django.db.models.lookups import In
from django.utils import timezone


@models.CharField.register_lookup
class InArray(In):
    """``__in`` for thousands of values: on PostgreSQL ``= ANY(%s)`` with the values as one array
    parameter, instead of one placeholder each, which Django and psycopg process one by one."""

    lookup_name = "in_array"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


class EncodedJSON(str):
    """A JSON field's value already serialised (the audit log's hash needs the text anyway): COPY takes
    it as it is."""


def bulk_insert(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` (field attname -> value; defaults fill the rest) and return their primary keys.

    On PostgreSQL the rows stream in with COPY, keys drawn from the table's sequence first: several
    times faster than ``bulk_create``, which builds a model instance per row and lets psycopg adapt
    every INSERT parameter on its own. Elsewhere it is ``bulk_create``. No signals are sent.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        decoded = ({name: json.loads(value) if isinstance(value, EncodedJSON) else value for name, value in row.items()}
                   for row in rows)
        return [obj.pk for obj in model.objects.bulk_create([model(**row) for row in decoded], batch_size=2000)]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    defaults = {field.attname: now if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                else field.get_default() for field in fields}
    row_values = itemgetter(*defaults)  # C speed, for 100,000 rows of twenty fields
    # Callable defaults (uuid4) give each row its own value.
    per_row_default = {i for i, field in enumerate(fields) if field.has_default() and callable(field.default)}
    # JSON goes as text, which COPY parses: cheaper than psycopg's Jsonb adapter per value.
    json_fields = [(i, partial(json.dumps, cls=field.encoder), field.null) for i, field in enumerate(fields)
                   if isinstance(field, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in [meta.pk, *fields])
    # wrap_database_errors: COPY bypasses Django's cursor, whose errors callers catch (IntegrityError).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(rows)])
        pks = [pk for (pk,) in cursor.fetchall()]
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(pks, rows, strict=True):
                values = list(row_values({**defaults, **row}))
                for i in per_row_default:
                    if fields[i].attname not in row:
                        values[i] = fields[i].get_default()
                for i, dump, null in json_fields:
                    value = values[i]
                    if isinstance(value, EncodedJSON):
                        continue
                    # None in a nullable field is SQL NULL, as Django stores it.
                    values[i] = (None if value is None and null else "[]" if value == [] else "{}" if value == {}
                                 else dump(value))
                copy.write_row([pk, *values])
    return pks


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during a bulk job's batches. A batch holds some 200,000
    small dicts and lists until it is written; the collector, triggered by the allocations, walks them
    (and everything else alive) over and over although they hold no cycles: that cost the import
    about a third of its time. Reference counting still frees them; collection resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The database itself refuses to change or delete audit events, whatever code runs.
# PostgreSQL: UPDATE and DELETE (TRUNCATE, which the test suite uses, is a separate privilege).
_POSTGRESQL_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
CREATE TRIGGER portal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""
# SQLite: UPDATE only, as the test suite empties tables with DELETE between tests.
_SQLITE_APPEND_ONLY = """
CREATE TRIGGER IF NOT EXISTS portal_auditevent_append_only BEFORE UPDATE ON portal_auditevent
BEGIN SELECT RAISE(ABORT, 'The audit log is append-only'); END;
"""


def audit_log_protect(*, using: str, **kwargs) -> None:
    """post_migrate: install the append-only trigger (again: SQLite loses it when a migration rebuilds the table)."""
    connection = connections[using]
    sql = {"postgresql": _POSTGRESQL_APPEND_ONLY, "sqlite": _SQLITE_APPEND_ONLY}.get(connection.vendor)
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql)
