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
    from beneficiaries.matching import id_document_key, name_key, name_skeleton, phone_key

    Household = apps.get_model("beneficiaries", "Household")
    batch = []
    for household in Household.objects.only(
        "head_name", "phone", "id_document_type", "id_document_number"
    ).iterator(chunk_size=2000):
        household.head_name_key = name_key(household.head_name)
        household.head_name_skeleton = name_skeleton(household.head_name)
        household.phone_key = phone_key(household.phone)
        household.id_document_key = id_document_key(household.id_document_type, household.id_document_number)
        batch.append(household)
        if len(batch) == 2000:
            Household.objects.bulk_update(batch, ["head_name_key", "head_name_skeleton", "phone_key", "id_document_key"])
            batch = []
    Household.objects.bulk_update(batch, ["head_name_key", "head_name_skeleton", "phone_key", "id_document_key"])


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
