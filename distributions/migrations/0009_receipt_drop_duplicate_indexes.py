"""Drop three single-column receipt indexes that other indexes already lead with.

Every index is written on each receipt insert (16 at 5,000,000 receipts): `household_id` had two
identical indexes (this one and `receipt_household_idx`); `distribution_id` is led by
`receipt_dist_kit_idx`, `site_id` by `receipt_site_kit_idx` and `receipt_site_received_idx`. The
foreign keys stay. Plain DROP INDEX: AlterField would drop and re-validate each foreign key over
the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = {
    "distribution": "distributions_receipt_distribution_id_0affa084",
    "household": "distributions_receipt_household_id_73adc0e9",
    "site": "distributions_receipt_site_id_90efbe03",
}


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0006_skeleton_index_with_site"),
        ("distributions", "0008_receipt_site_kit_idx"),
        ("sites", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "distributions_receipt" ("{field}_id")',
                )
                for field, name in DROPPED.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="receipt",
                    name="distribution",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="receipts",
                        to="distributions.distribution",
                    ),
                ),
                migrations.AlterField(
                    model_name="receipt",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="receipts",
                        to="beneficiaries.household",
                    ),
                ),
                migrations.AlterField(
                    model_name="receipt",
                    name="site",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="sites.site"
                    ),
                ),
            ],
        ),
    ]
