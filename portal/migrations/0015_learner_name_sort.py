import django.db.models.functions.comparison
from django.contrib.postgres.operations import CreateCollation
from django.db import migrations, models


class Migration(migrations.Migration):
    """Learners sorted by name as people expect (portal/collation.py): the name_sort collation (ICU's root
    collation on PostgreSQL; SQLite gets it from each connection) and the list's order index in it."""

    dependencies = [
        ('portal', '0014_job_list_indexes'),
    ]

    operations = [
        CreateCollation('name_sort', provider='icu', locale='und'),  # PostgreSQL only: elsewhere nothing
        migrations.AlterModelOptions(
            name='learner',
            options={'ordering': ['last_name__name_sort', 'first_name__name_sort', 'id'], 'verbose_name': 'learner', 'verbose_name_plural': 'learners'},
        ),
        migrations.RemoveIndex(
            model_name='learner',
            name='learner_name_order',
        ),
        migrations.AddIndex(
            model_name='learner',
            index=models.Index(django.db.models.functions.comparison.Collate('last_name', 'name_sort'), django.db.models.functions.comparison.Collate('first_name', 'name_sort'), models.F('id'), name='learner_name_order'),
        ),
    ]
