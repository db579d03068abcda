"""Receipts carry their project: the key receipts would be partitioned (or distributed with Citus) by.

docs/scaling.md gives the plan. The key is always the distribution's project: a composite foreign key
(distribution_id, project_id) -> distributions_distribution (id, project_id) enforces it, and a trigger
fills it for rows written in SQL without it (the scale generator, COPY). Existing rows are filled in one
UPDATE here; on a very large table run the UPDATE in batches before this migration (docs/scaling.md).
"""

import django.db.models.deletion
from django.db import migrations, models

FILL_TRIGGER = """
CREATE FUNCTION distributions_receipt_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT project_id INTO NEW.project_id FROM distributions_distribution WHERE id = NEW.distribution_id;
    RETURN NEW;
END $$;
CREATE TRIGGER distributions_receipt_project BEFORE INSERT ON distributions_receipt
    FOR EACH ROW WHEN (NEW.project_id IS NULL) EXECUTE FUNCTION distributions_receipt_project();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS distributions_receipt_project ON distributions_receipt;
DROP FUNCTION IF EXISTS distributions_receipt_project();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("distributions", "0014_change_feed_changed_at"),
        ("projects", "0009_retention_task_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="receipt",
            name="project",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.project",
            ),
        ),
        migrations.RunSQL(
            "UPDATE distributions_receipt AS receipt SET project_id = distribution.project_id "
            "FROM distributions_distribution AS distribution WHERE distribution.id = receipt.distribution_id",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="receipt",
            name="project",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.project",
            ),
        ),
        migrations.AddConstraint(
            model_name="distribution",
            constraint=models.UniqueConstraint(fields=("id", "project"), name="distribution_id_project"),
        ),
        migrations.RunSQL(
            "ALTER TABLE distributions_receipt ADD CONSTRAINT receipt_project_is_distributions "
            "FOREIGN KEY (distribution_id, project_id) REFERENCES distributions_distribution (id, project_id)",
            "ALTER TABLE distributions_receipt DROP CONSTRAINT receipt_project_is_distributions",
        ),
        migrations.RunSQL(FILL_TRIGGER, DROP_TRIGGER),
        migrations.AddField(
            model_name="historicalreceipt",
            name="project",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="projects.project",
            ),
        ),
    ]
