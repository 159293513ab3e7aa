from django.db import migrations

from portal.roles import grant_to_coordinators

COORDINATOR_PERMISSIONS = [
    "view_learner", "add_learner", "change_learner",
    "view_peregistration",
    "view_template", "view_course", "view_activity", "view_event",
    "view_auditevent",
    "view_job",
]

# PostgreSQL refuses UPDATE and DELETE on the audit log even from raw SQL.
# (TRUNCATE, which the test suite uses to reset the database, is a separate privilege.)
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""
# SQLite: refuse UPDATE only; the test suite empties tables with DELETE between tests.
SQLITE_APPEND_ONLY_SQL = """
CREATE TRIGGER portal_auditevent_append_only BEFORE UPDATE ON portal_auditevent
BEGIN SELECT RAISE(ABORT, 'The audit log is append-only'); END;
"""
DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_append_only();
"""


def grant(apps, schema_editor):
    grant_to_coordinators(apps, schema_editor, app_label="portal", codenames=COORDINATOR_PERMISSIONS)


def append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(APPEND_ONLY_SQL if vendor == "postgresql" else SQLITE_APPEND_ONLY_SQL)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(append_only, drop_append_only),
    ]
