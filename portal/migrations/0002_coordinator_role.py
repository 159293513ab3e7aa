from django.db import migrations

from portal.roles import grant_to_coordinators

COORDINATOR_PERMISSIONS = [
    "view_learner", "add_learner", "change_learner",
    "view_peregistration",
    "view_template", "view_course", "view_activity", "view_event",
    "view_auditevent",
    "view_job",
    "add_learnerimport", "view_learnerimport", "view_learnerimportrow",
]


def grant(apps, schema_editor):
    grant_to_coordinators(apps, schema_editor, app_label="portal", codenames=COORDINATOR_PERMISSIONS)


class Migration(migrations.Migration):
    """The Training coordinator group. (The audit log's append-only triggers are installed after
    every migrate by portal.db.audit_log_protect: SQLite drops triggers whenever a later migration
    rebuilds the table.)"""

    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
