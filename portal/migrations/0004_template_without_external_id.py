
"""Templates may have no external ID; those the old sync stored under their UID lose that stand-in."""

from django.db import migrations, models
from django.db.models import F


def uid_stand_ins_clear(apps, schema_editor):
    Template = apps.get_model("portal", "Template")
    Template.objects.filter(external_id=F("uid")).update(external_id=None)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0003_learner_import_push_to_integrations'),
    ]

    operations = [
        migrations.AlterField(
            model_name='template',
            name='external_id',
            field=models.CharField(blank=True, max_length=100, null=True, unique=True, verbose_name='external ID'),
        ),
        migrations.RunPython(uid_stand_ins_clear, migrations.RunPython.noop),
    ]
