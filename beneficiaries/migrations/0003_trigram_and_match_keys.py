"""pg_trgm and a trigram index on name keys (PostgreSQL only), and match keys for existing households."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class PostgresOnly(migrations.operations.base.Operation):
    """Run the wrapped operation on PostgreSQL only; SQLite matches names in Python (rapidfuzz)."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"PostgreSQL only: {self.operation.describe()}"


def fill_match_keys(apps, schema_editor):
    """Set-based on PostgreSQL (COPY + UPDATE … FROM): Python row by row took an hour for a million households."""
    from beneficiaries.management.commands.refresh_match_keys import refresh_keys

    refresh_keys(apps.get_model("beneficiaries", "Household"), everyone=True)


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0002_imports_and_duplicates")]

    operations = [
        PostgresOnly(TrigramExtension()),
        PostgresOnly(
            migrations.RunSQL(
                "CREATE INDEX IF NOT EXISTS household_name_key_trgm ON beneficiaries_household "
                "USING gin (head_name_key gin_trgm_ops)",
                "DROP INDEX IF EXISTS household_name_key_trgm",
            )
        ),
        migrations.RunPython(fill_match_keys, migrations.RunPython.noop),
    ]
