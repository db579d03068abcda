"""SQLite only: drop the trigger that refused deleting a planned kit type with receipts.

It also blocked the test database's flush (tables are emptied in no particular order). The rule
still holds where it matters: PostgreSQL's composite foreign key refuses the delete, and
DistributionItem rows with receipts are never deleted by the application (distributions.services
refuses to drop a planned kit type that was received). Receipt inserts and updates keep their
SQLite triggers.
"""

from django.db import migrations


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS distributionitem_keep_if_received")


class Migration(migrations.Migration):
    dependencies = [("distributions", "0004_household_first_flag")]

    operations = [migrations.RunPython(drop_trigger, migrations.RunPython.noop)]
