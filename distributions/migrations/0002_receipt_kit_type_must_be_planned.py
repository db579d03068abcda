"""The database refuses a receipt for a kit type its distribution did not plan.

Django has no composite foreign keys, so this is written by hand: a composite foreign key
(distribution, kit_type) -> DistributionItem's unique pair.
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

class Migration(migrations.Migration):
    dependencies = [("distributions", "0001_initial")]

    operations = [
        migrations.RunSQL(POSTGRES_FORWARD, POSTGRES_BACKWARD)
    ]
