from django.db import migrations

from portal.roles import grant_to_coordinators

COORDINATOR_PERMISSIONS = [
    "view_award", "submit_award",
    "view_templateaccreditation", "add_templateaccreditation", "change_templateaccreditation",
    "view_courseaccreditation", "add_courseaccreditation", "change_courseaccreditation",
    "view_certificateaccreditation", "add_certificateaccreditation", "change_certificateaccreditation",
    "view_eventaccreditation", "add_eventaccreditation", "change_eventaccreditation",
]


def grant(apps, schema_editor):
    grant_to_coordinators(apps, schema_editor, app_label="accreditation", codenames=COORDINATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("accreditation", "0001_pe_configuration_and_awards")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
