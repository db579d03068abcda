import pytest
from django.core.exceptions import ValidationError

from beneficiaries import codes
from beneficiaries.models import Household
from beneficiaries.services import register_household, update_household
from tests import factories


def test_registration_code_has_a_check_character_that_catches_typos():
    # A fixed body whose characters all differ, so that every check below runs (a drawn code's first two
    # characters are equal one time in 32, and its transposition then proves nothing).
    body = "K7Q39XMH"
    code = body + codes.check_character(body)
    assert codes.is_valid(code)
    assert codes.is_valid(codes.display(code).lower())
    for position in range(len(body)):
        for other in {"0", "1"} - {code[position]}:
            mistyped = code[:position] + other + code[position + 1 :]
            assert not codes.is_valid(mistyped), mistyped
    for position in range(len(body) - 1):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        assert not codes.is_valid(swapped), swapped
    assert codes.is_valid(codes.new_code())


def test_new_codes_are_typed_on_the_letters_and_digits_keyboard_and_old_codes_still_pass():
    drawn = [codes.new_code() for _ in range(2000)] + codes.new_codes(2000)
    assert all(set(code) <= set(codes.ALPHABET + "U") for code in drawn)
    assert all(codes.is_valid(code) for code in drawn)
    # A code issued before, whose check character is a symbol, stays valid: find one body of each symbol.
    for symbol in "*~$=":
        body = next(
            candidate
            for candidate in (f"{number:08d}" for number in range(100000))
            if codes.check_character(candidate) == symbol
        )
        assert codes.is_valid(body + symbol)
        assert codes.is_valid(codes.display(body + symbol).lower())


def test_register_household_computes_size_and_draws_a_valid_code(mopti):
    household = factories.household(mopti["site"], registered_by=mopti["officer"])
    assert household.household_size == 4
    assert codes.is_valid(household.registration_code)
    assert household.consent_date is not None


def test_inconsistent_size_is_refused_with_a_field_error(mopti):
    with pytest.raises(ValidationError) as refused:
        register_household(
            registered_by=None,
            site=mopti["site"],
            head_name="Oumar Touré",
            head_sex="M",
            head_birth_year=1980,
            displacement_status="idp",
            household_size=7,
            males_18_59=1,
        )
    assert "household_size" in refused.value.message_dict
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("head_birth_year", 1700), ("head_sex", "X"), ("displacement_status", "tourist"), ("head_name", "")],
)
def test_bad_values_name_their_field(mopti, field, value):
    with pytest.raises(ValidationError) as refused:
        factories.household(mopti["site"], **{field: value})
    assert field in refused.value.message_dict


def test_unknown_fields_are_refused(mopti):
    with pytest.raises(ValidationError) as refused:
        factories.household(mopti["site"], favourite_colour="blue")
    assert "favourite_colour" in refused.value.message_dict


def test_update_recomputes_the_size_from_the_counts(mopti):
    household = factories.household(mopti["site"])
    updated = update_household(household, updated_by=None, females_60_plus=2)
    assert updated.household_size == 6
