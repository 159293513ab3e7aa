"""Every learner gets an external ID: aNewSpring knows users only by it (the login was used in its
place, which created duplicates there).

Learners without one who were already sent to aNewSpring under their login (a stored UID, or an
audit event of creating, linking or pushing them) keep that login as their external ID, so they stay
linked to the same aNewSpring user; the others get an ID made by the portal.
"""

import uuid

from django.db import migrations, models

SENT_ACTIONS = ["learner.anewspring_create", "learner.anewspring_link", "learner.anewspring_push"]
BATCH = 1000


def external_ids_fill(apps, schema_editor):
    Learner = apps.get_model("portal", "Learner")
    AuditEvent = apps.get_model("portal", "AuditEvent")
    missing = Learner.objects.filter(external_id__isnull=True)
    sent = set(AuditEvent.objects.filter(action__in=SENT_ACTIONS, learner__in=missing)
               .values_list("learner_id", flat=True).distinct())
    pending = []
    for learner in missing.only("pk", "uid", "login").iterator(chunk_size=BATCH):
        known_by_login = (learner.uid or learner.pk in sent) and not Learner.objects.filter(
            external_id=learner.login).exists()
        if known_by_login:
            learner.external_id, learner.external_id_generated = learner.login, False
        else:  # the same form as portal.models.external_id_generate
            learner.external_id, learner.external_id_generated = "PORTAL-" + uuid.uuid4().hex[:16].upper(), True
        pending.append(learner)
        if len(pending) == BATCH:
            Learner.objects.bulk_update(pending, ["external_id", "external_id_generated"])
            pending = []
    Learner.objects.bulk_update(pending, ["external_id", "external_id_generated"])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_template_without_external_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="learner",
            name="external_id_generated",
            field=models.BooleanField(default=False, verbose_name="external ID made by the portal"),
        ),
        migrations.RunPython(external_ids_fill, migrations.RunPython.noop),
    ]
