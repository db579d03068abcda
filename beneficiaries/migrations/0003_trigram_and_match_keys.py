"""pg_trgm and a trigram index on name keys, and match keys for existing households."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def fill_match_keys(apps, schema_editor):
    """Set-based (COPY + UPDATE … FROM): Python row by row took an hour for a million households."""
    from beneficiaries.management.commands.refresh_match_keys import refresh_keys

    refresh_keys(apps.get_model("beneficiaries", "Household"), everyone=True)


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0002_imports_and_duplicates")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS household_name_key_trgm ON beneficiaries_household "
            "USING gin (head_name_key gin_trgm_ops)",
            "DROP INDEX IF EXISTS household_name_key_trgm",
        ),
        migrations.RunPython(fill_match_keys, migrations.RunPython.noop),
    ]
