"""The KoboToolbox webhook refuses a bad `source` with a 400 naming it, never a 500 (issue 13, review).

The form name comes from the query string (`?source=`): text nobody checked reached the database.
"""

import pytest

from beneficiaries.models import ExternalSubmission, Household
from tests.imports.test_pages_and_api import kobo_submission, token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("source", ["\x00", "form\x00one"])
def test_a_source_with_a_null_character_is_a_400_naming_source(importer, source):
    response = token_client(importer).post(
        "/api/v1/kobo/submissions/", kobo_submission(), format="json", QUERY_STRING=f"source={source}"
    )
    assert response.status_code == 400, response.content
    assert "source" in response.json()["errors"]
    assert not ExternalSubmission.objects.exists() and not Household.objects.exists()


def test_a_source_of_200_characters_registers_the_submission(importer):
    """The longest source the webhook accepts (200 characters, as stored) registers; nothing overflows."""
    response = token_client(importer).post(
        "/api/v1/kobo/submissions/", kobo_submission(), format="json", QUERY_STRING="source=" + "s" * 200
    )
    assert response.status_code == 201, response.content
    assert Household.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("_uuid", "3f1c6a52\x00"),
        ("household/head_name", "Bintou\x00Guindo"),
        ("household/phone", "76 54\x00 32 10"),
        ("household/note\x00", "extra"),  # a key the form added: the mapping remembers the keys
        ("_uuid", "u" * 101),  # longer than a stored submission's identity
    ],
)
def test_a_submission_with_a_cell_the_database_cannot_store_is_a_400_naming_it(importer, key, value):
    submission = kobo_submission(**{key: value})
    if key == "_uuid":
        del submission["meta/instanceID"]
    response = token_client(importer).post("/api/v1/kobo/submissions/", submission, format="json")
    assert response.status_code == 400, response.content
    assert key in response.json()["errors"]
    assert not ExternalSubmission.objects.exists() and not Household.objects.exists()
