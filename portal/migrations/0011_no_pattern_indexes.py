"""Drop the ``varchar_pattern_ops`` indexes PostgreSQL gets for every unique or indexed CharField: they
serve ``LIKE 'abc%'`` only, which no query here makes (the learner search has its own indexes, 0009),
and every learner a CSV import creates paid for four of them."""

from django.db import migrations

PATTERN_INDEXED = {"portal_learner": ("external_id", "login", "uid"), "portal_peregistration": ("number",)}


def pattern_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, columns in PATTERN_INDEXED.items():
            for column in columns:
                cursor.execute(
                    "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                    [table, f"%({column} varchar_pattern_ops)%"])
                for (name,) in cursor.fetchall():
                    schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0010_audit_filter_indexes_in_log_order"),
    ]

    operations = [
        migrations.RunPython(pattern_indexes_drop, migrations.RunPython.noop),
    ]
