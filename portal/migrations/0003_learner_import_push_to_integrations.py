from django.db import migrations, models


def copy_push_choices(apps, schema_editor):
    """The aNewSpring-only option becomes the generic list of integrations, its job one of the push jobs."""
    LearnerImport = apps.get_model("portal", "LearnerImport")
    for learner_import in LearnerImport.objects.filter(push_to_anewspring=True).iterator():
        learner_import.push_to = ["anewspring"]
        learner_import.save(update_fields=["push_to"])
        if learner_import.push_job_id:
            learner_import.push_jobs.add(learner_import.push_job_id)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_coordinator_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="learnerimport",
            name="push_to",
            field=models.JSONField(blank=True, default=list, verbose_name="send the learners to"),
        ),
        migrations.AddField(
            model_name="learnerimport",
            name="push_jobs",
            field=models.ManyToManyField(blank=True, related_name="+", to="portal.job", verbose_name="push jobs"),
        ),
        migrations.RunPython(copy_push_choices, migrations.RunPython.noop),
        migrations.RemoveField(model_name="learnerimport", name="push_job"),
        migrations.RemoveField(model_name="learnerimport", name="push_to_anewspring"),
    ]
