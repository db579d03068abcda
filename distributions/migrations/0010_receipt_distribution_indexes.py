"""Indexes for a distribution's receipts newest first: the API's `?distribution=…` list, by id (its
default order, keyset pagination) or by `received_at`.

At 5,000,000 receipts those lists walked the primary key or `receipt_received_idx` backwards and
filtered: 320 ms and 7.8 s a page for a distribution whose receipts are old; 0.1-0.2 ms with these.
Built CONCURRENTLY on PostgreSQL, so recording is not blocked.
"""

from django.db import migrations, models

from django.contrib.postgres.operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("distributions", "0009_receipt_drop_duplicate_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="receipt",
            index=models.Index(fields=["distribution", "id"], name="receipt_dist_id_idx"),
        ),
        AddIndexConcurrently(
            model_name="receipt",
            index=models.Index(fields=["distribution", "received_at", "id"], name="receipt_dist_received_idx"),
        ),
    ]
