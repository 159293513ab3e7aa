import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def imports_before_this_were_previewed_at_upload(apps, schema_editor):
    apps.get_model("portal", "LearnerImport").objects.update(previewed_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0005_learner_external_id_generated'),
    ]

    operations = [
        migrations.AddField(
            model_name='learnerimport',
            name='preview_job',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='learner_import_preview', to='portal.job', verbose_name='preview job'),
        ),
        migrations.AddField(
            model_name='learnerimport',
            name='previewed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='previewed at'),
        ),
        migrations.CreateModel(
            name='LearnerImportChunk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('data', models.BinaryField()),
                ('learner_import', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='portal.learnerimport')),
            ],
            options={
                'ordering': ['learner_import', 'number'],
                'constraints': [models.UniqueConstraint(fields=('learner_import', 'number'), name='import_chunk_unique_number')],
            },
        ),
        migrations.RunPython(imports_before_this_were_previewed_at_upload, migrations.RunPython.noop),
    ]
