"""The registration rules the phone checks (beneficiaries.rules.registration_schema) are the server's."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from beneficiaries.rules import registration_schema
from beneficiaries.services import register_household, registration_errors

VALID = {
    "head_name": "Mariam Diarra",
    "head_sex": "F",
    "head_birth_year": 1990,
    "displacement_status": "idp",
    "females_18_59": 1,
    "consent_given": True,
    "confirmed_distinct": True,
}


def test_the_schema_bounds_are_the_ones_the_server_enforces(mopti):
    schema = registration_schema()
    year = schema["properties"]["head_birth_year"]
    assert year["maximum"] == timezone.localdate().year
    with pytest.raises(ValidationError) as refused:
        register_household(registered_by=None, site=mopti["site"], **{**VALID, "head_birth_year": year["maximum"] + 1})
    assert refused.value.message_dict["head_birth_year"] == [schema["x-messages"]["head_birth_year"]["maximum"]]
    with pytest.raises(ValidationError):
        register_household(registered_by=None, site=mopti["site"], **{**VALID, "head_birth_year": year["minimum"] - 1})
    register_household(registered_by=None, site=mopti["site"], **{**VALID, "head_birth_year": year["minimum"]})
    register_household(registered_by=None, site=mopti["site"], **{**VALID, "head_birth_year": year["maximum"]})


def test_the_schema_follows_the_model_fields():
    schema = registration_schema()
    properties = schema["properties"]
    assert properties["head_name"]["maxLength"] == 200
    assert properties["head_sex"]["enum"] == ["F", "M"]
    assert {"head_name", "head_sex", "head_birth_year", "displacement_status", "consent_given"} <= set(
        schema["required"]
    )
    assert "phone" not in schema["required"]
    assert schema["x-members"]["minimum"] == 1


def test_no_member_is_refused_with_the_message_the_phone_shows(mopti):
    schema = registration_schema()
    errors = registration_errors(**{**VALID, "females_18_59": 0, "site": mopti["site"]})
    assert errors["household_size"] == [schema["x-members"]["message"]]


def test_the_messages_are_in_the_users_language():
    with override("fr"):
        assert "année de naissance" in registration_schema()["x-messages"]["head_birth_year"]["maximum"].lower()


def test_registration_errors_writes_nothing(mopti):
    from beneficiaries.models import Household

    assert registration_errors(**{**VALID, "site": mopti["site"]}) == {}
    assert not Household.objects.exists()
