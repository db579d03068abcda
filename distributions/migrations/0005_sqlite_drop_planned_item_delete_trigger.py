"""Kept empty so that the migration history of installed databases stays valid.

It dropped a trigger that existed only on the second database engine the project once ran on
(PostgreSQL is now the only one; the file keeps its recorded name). On PostgreSQL the composite foreign key of 0002 refuses deleting a planned
kit type that was received.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("distributions", "0004_household_first_flag")]

    operations = []
