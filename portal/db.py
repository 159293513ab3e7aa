"""Bulk writes for jobs that touch 100,000 rows (the CSV import and its audit events)."""

import gc
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from itertools import batched
from operator import itemgetter
from typing import Any

from django.db import connections, models, router, transaction
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
    """Insert ``rows`` (field attname -> value, no primary key; defaults fill the rest) and return their
    primary keys, in order. No model instance is built and no signal is sent.

    ``bulk_create`` builds a model instance per row and compiles every value of every row through the
    fields (two thirds of a 100,000-row import on SQLite). Here each row becomes a list of values in
    the table's column order at C speed. PostgreSQL streams them in with COPY, keys drawn from the
    table's sequence first; SQLite takes them with ``executemany`` inside one write transaction, in
    which AUTOINCREMENT numbers them one after the other up to ``last_insert_rowid()``.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    if connection.vendor == "sqlite":
        # What sqlite3 cannot take as it is (dates, times, UUIDs, decimals) goes through the field, as Django's
        # own INSERT would; text, numbers, booleans and JSON text pass unchanged.
        adapted = {i: partial(field.get_db_prep_save, connection=connection) for i, field in enumerate(fields)
                   if field.get_internal_type() in _SQLITE_ADAPTED}
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for batch in batched(_value_lists(fields, rows, adapted), SQLITE_BATCH):
                cursor.executemany(sql, batch)
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))
    # wrap_database_errors: COPY bypasses Django's cursor, whose errors callers catch (IntegrityError).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(rows)])
        pks = [pk for (pk,) in cursor.fetchall()]
        with cursor.copy(f"COPY {quote(meta.db_table)} ({quote(meta.pk.column)}, {columns}) FROM STDIN") as copy:
            for pk, values in zip(pks, _value_lists(fields, rows), strict=True):
                copy.write_row([pk, *values])
    return pks


SQLITE_BATCH = 5000
_SQLITE_ADAPTED = {"DateField", "DateTimeField", "TimeField", "UUIDField", "DecimalField", "DurationField"}


def _value_lists(fields: list[models.Field], rows: Sequence[Mapping[str, Any]],
                 adapted: Mapping[int, Callable[[Any], Any]] | None = None) -> Iterator[list]:
    """Each row's values in ``fields`` order: defaults where the row has none (``auto_now`` fields the
    same moment for all), JSON as its text (what both databases parse, and cheaper than adapting it).
    ``adapted`` converts the values of some fields (by index): a shared default once, a row's own each."""
    adapted = adapted or {}
    now = timezone.now()
    defaults = {field.attname: now if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                else field.get_default() for field in fields}
    for i, adapt in adapted.items():
        defaults[fields[i].attname] = adapt(defaults[fields[i].attname])
    row_values = itemgetter(*defaults)  # C speed, for 100,000 rows of twenty fields
    last_in, last_out = dict.fromkeys(adapted, object()), dict.fromkeys(adapted)
    # Callable defaults (uuid4) give each row its own value.
    per_row_default = {i for i, field in enumerate(fields) if field.has_default() and callable(field.default)}
    json_fields = [(i, partial(json.dumps, cls=field.encoder), field.null) for i, field in enumerate(fields)
                   if isinstance(field, models.JSONField)]
    for row in rows:
        values = list(row_values({**defaults, **row}))
        for i in per_row_default:
            if fields[i].attname not in row:
                values[i] = fields[i].get_default()
        for i, adapt in adapted.items():
            if fields[i].attname in row or i in per_row_default:
                value = values[i]
                if value is not last_in[i]:  # rows often share one value (an audit batch's moment)
                    last_in[i], last_out[i] = value, adapt(value)
                values[i] = last_out[i]
        for i, dump, null in json_fields:
            value = values[i]
            if isinstance(value, EncodedJSON):
                continue
            # None in a nullable field is SQL NULL, as Django stores it.
            values[i] = (None if value is None and null else "[]" if value == [] else "{}" if value == {}
                         else dump(value))
        yield values


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
