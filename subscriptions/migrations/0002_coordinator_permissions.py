from django.db import migrations

from portal.roles import grant_to_coordinators

COORDINATOR_PERMISSIONS = [
    "view_subscription", "add_subscription", "change_subscription", "sync_catalogue",
    "view_activityresult",
    "view_learnergroup", "add_learnergroup", "change_learnergroup",
    "view_webhookdelivery",
]


def grant(apps, schema_editor):
    grant_to_coordinators(apps, schema_editor, app_label="subscriptions", codenames=COORDINATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
