"""The database refuses a receipt for a kit type its distribution did not plan.

Django has no composite foreign keys, so this is written by hand: on PostgreSQL a real
composite foreign key (distribution, kit_type) -> DistributionItem's unique pair; on SQLite,
which cannot add such a key to an existing table, triggers with the same effect.
"""

from django.db import migrations

POSTGRES_FORWARD = """
ALTER TABLE distributions_receipt
    ADD CONSTRAINT receipt_kit_type_planned
    FOREIGN KEY (distribution_id, kit_type_id)
    REFERENCES distributions_distributionitem (distribution_id, kit_type_id)
    ON UPDATE RESTRICT ON DELETE RESTRICT;
"""
POSTGRES_BACKWARD = "ALTER TABLE distributions_receipt DROP CONSTRAINT receipt_kit_type_planned;"

_SQLITE_CHECK = """
    WHEN NOT EXISTS (
        SELECT 1 FROM distributions_distributionitem i
        WHERE i.distribution_id = NEW.distribution_id AND i.kit_type_id = NEW.kit_type_id
    )
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: receipt_kit_type_planned'); END;
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER receipt_kit_type_planned_insert BEFORE INSERT ON distributions_receipt" + _SQLITE_CHECK,
    "CREATE TRIGGER receipt_kit_type_planned_update BEFORE UPDATE OF distribution_id, kit_type_id"
    " ON distributions_receipt" + _SQLITE_CHECK,
    """CREATE TRIGGER distributionitem_keep_if_received BEFORE DELETE ON distributions_distributionitem
    WHEN EXISTS (
        SELECT 1 FROM distributions_receipt r
        WHERE r.distribution_id = OLD.distribution_id AND r.kit_type_id = OLD.kit_type_id
    )
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: receipt_kit_type_planned'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER receipt_kit_type_planned_insert",
    "DROP TRIGGER receipt_kit_type_planned_update",
    "DROP TRIGGER distributionitem_keep_if_received",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("distributions", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
