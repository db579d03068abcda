"""An index for the API's receipt list filtered by site and kit type, newest first.

At 5,000,000 receipts the list walked the primary key backwards and filtered (190-540 ms for a
site whose receipts have low ids); this index serves it in well under a millisecond. On
PostgreSQL it is built CONCURRENTLY, so recording receipts is not blocked while it builds.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.operations import AddIndex


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; a plain CREATE INDEX elsewhere (SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("distributions", "0007_reach_summary"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="receipt",
            index=models.Index(fields=["site", "kit_type", "id"], name="receipt_site_kit_idx"),
        ),
    ]
