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
