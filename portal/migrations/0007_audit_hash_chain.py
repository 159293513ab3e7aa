"""Tamper evidence for the audit log: every event carries a hash chained to the previous event's.
Events written before this migration are chained here, oldest first."""

import django.utils.timezone
from django.db import migrations, models

from portal.models import AUDIT_CHAIN_GENESIS, AUDIT_HASHED_FIELDS, audit_event_digest

BATCH = 1000


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("portal", "AuditEvent")
    AuditChainHead = apps.get_model("portal", "AuditChainHead")
    connection = schema_editor.connection
    # The append-only triggers refuse the UPDATE; the migration runs as the table's owner.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS portal_auditevent_append_only")  # post_migrate puts it back
    sequence, previous_hash, batch = 0, AUDIT_CHAIN_GENESIS, []
    fields = [name for name in AUDIT_HASHED_FIELDS if name not in ("sequence", "previous_hash")]
    for pk, *values in AuditEvent.objects.order_by("pk").values_list("pk", *fields).iterator(chunk_size=BATCH):
        sequence += 1
        row = {**dict(zip(fields, values, strict=True)), "sequence": sequence, "previous_hash": previous_hash}
        previous_hash = audit_event_digest(row)
        batch.append(AuditEvent(pk=pk, sequence=sequence, previous_hash=row["previous_hash"], hash=previous_hash))
        if len(batch) == BATCH:
            AuditEvent.objects.bulk_update(batch, ["sequence", "previous_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["sequence", "previous_hash", "hash"])
    AuditChainHead.objects.create(pk=1, sequence=sequence, hash=previous_hash)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0006_learner_import_preview_in_a_job"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default="0" * 64, max_length=64)),
            ],
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="time"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="position in the chain"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(condition=models.Q(("action", "audit.verify")), fields=["-created_at"],
                               name="auditevent_verify_idx"),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
