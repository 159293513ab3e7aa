from django.db import migrations

from portal.roles import grant_to_coordinators

COORDINATOR_PERMISSIONS = [
    "view_referenceitem", "sync_reference", "view_referencesync",
    "view_enrolment", "add_enrolment", "change_enrolment",
    "view_progresssnapshot",
]


def grant(apps, schema_editor):
    grant_to_coordinators(apps, schema_editor, app_label="enrolments", codenames=COORDINATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("enrolments", "0001_initial"), ("portal", "0002_coordinator_role")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
