"""Webhook deliveries are recognised by a hash of their whole payload instead of (event, created),
and carry the attempt count and time the sweep needs."""

import hashlib
import json

from django.db import migrations, models


def identities_fill(apps, schema_editor):
    # The same hash as subscriptions.webhooks.delivery_identity, repeated so the migration stands alone.
    WebhookDelivery = apps.get_model("subscriptions", "WebhookDelivery")
    for delivery in WebhookDelivery.objects.only("pk", "payload").iterator(chunk_size=1000):
        canonical = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        delivery.identity = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        delivery.save(update_fields=["identity"])


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0002_coordinator_permissions"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="webhookdelivery", name="webhook_delivery_unique"),
        migrations.AddField(
            model_name="webhookdelivery",
            name="identity",
            field=models.CharField(max_length=64, null=True, verbose_name="identity"),
        ),
        migrations.RunPython(identities_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="identity",
            field=models.CharField(max_length=64, unique=True, verbose_name="identity"),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="processing attempts"),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="attempted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last attempt"),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(fields=["status", "received_at"], name="webhook_delivery_sweep"),
        ),
    ]
