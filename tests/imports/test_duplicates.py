"""Duplicate registrations: caught across spellings, held or flagged, reviewed and merged."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from beneficiaries import duplicate_services
from beneficiaries.matching import name_key, name_similarity
from beneficiaries.models import DuplicateReview, Household, HouseholdMerge
from beneficiaries.services import ProbableDuplicate, register_household
from distributions.models import HouseholdReach, Receipt
from distributions.services import record_receipt
from tests import factories
from tests.progress.test_engine import assert_summaries_equal_a_rebuild

pytestmark = pytest.mark.django_db


def register(site, **fields):
    values = {
        "head_name": "Mohamed Traoré",
        "head_sex": "M",
        "head_birth_year": 1980,
        "displacement_status": "idp",
        "males_18_59": 1,
        "females_18_59": 1,
        "phone": "",
    }
    values.update(fields)
    return register_household(registered_by=None, site=site, **values)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Mohamed Traoré", "Muhammad Traore"),  # transliteration variant and accent
        ("Mohammed Traoré", "TRAORE Mohamed"),  # word order and case
        ("Aminata Traoré", "Aminata Troaré"),  # a typo
        ("محمد علي", "Mohammed Ali"),  # Arabic script
        ("Kadidia Dicko", "Khadija Dicko"),  # a local form of the name
    ],
)
def test_spelling_variants_of_one_head_are_held(mopti, first, second):
    kept = register(mopti["site"], head_name=first)
    with pytest.raises(ProbableDuplicate) as caught:
        register(mopti["site"], head_name=second)
    assert caught.value.match.household == kept
    assert "head_name" in caught.value.message_dict  # a field error, as pages and the API show it
    assert Household.objects.count() == 1


def test_distinct_households_with_close_names_are_not_held(mopti):
    register(mopti["site"], head_name="Aminata Traoré", head_sex="F", phone="+223 70 11 11 11")
    other_family = register(mopti["site"], head_name="Aminata Touré", head_sex="F", phone="+223 76 22 22 22")
    other_person = register(mopti["site"], head_name="Oumar Traoré", head_birth_year=1980)
    namesake_older = register(mopti["site"], head_name="Mohamed Traoré", head_birth_year=1955)
    assert Household.objects.count() == 4
    assert not DuplicateReview.objects.filter(household__in=[other_family, other_person, namesake_older]).exists()


def test_same_name_in_another_admin2_is_not_a_duplicate(mopti):
    register(mopti["site"])
    elsewhere = factories.site("SEG", admin_area=factories.area("ML0401", "Ségou"))
    register(elsewhere)
    assert Household.objects.count() == 2


def test_same_id_document_anywhere_is_held(mopti):
    register(mopti["site"], id_document_type="national_id", id_document_number="ML-123 456")
    elsewhere = factories.site("SEG", admin_area=factories.area("ML0401", "Ségou"))
    with pytest.raises(ProbableDuplicate) as caught:
        register(elsewhere, head_name="Sékou Coulibaly", id_document_type="national_id", id_document_number="ml123456")
    assert caught.value.match.reasons == ["same ID document"]


def test_same_phone_and_name_in_the_area_is_certain(mopti):
    register(mopti["site"], phone="+223 70 12 34 56", head_birth_year=1980)
    with pytest.raises(ProbableDuplicate) as caught:
        register(mopti["site"], phone="70123456", head_birth_year=1990)  # birth year wrong: the phone decides
    assert caught.value.match.likelihood == 1.0


def test_between_thresholds_the_household_is_created_and_flagged(mopti):
    kept = register(mopti["site"], head_name="Aminata Traoré", head_sex="F")
    flagged = register(mopti["site"], head_name="Aminata Touré", head_sex="F")  # no phones to tell them apart
    review = flagged.duplicate_review
    assert review.kind == DuplicateReview.Kind.FLAGGED
    assert review.candidate == kept
    assert 0.80 <= review.likelihood < 0.92


def test_confirmed_distinct_registration_is_created(mopti):
    register(mopti["site"])
    twin = register(mopti["site"], head_name="Muhammad Traore", confirmed_distinct=True)
    assert twin.pk and not DuplicateReview.objects.exists()


def test_thresholds_are_settings(mopti, settings):
    register(mopti["site"], head_name="Aminata Traoré", head_sex="F")
    settings.DUPLICATE_REVIEW_THRESHOLD = 0.99
    settings.DUPLICATE_HOLD_THRESHOLD = 0.995
    unflagged = register(mopti["site"], head_name="Aminata Touré", head_sex="F")
    assert unflagged.duplicate_review is None


def test_name_similarity_is_symmetric_and_bounded():
    pairs = [("Hawa Coulibaly", "Hawa Koulibaly"), ("Amadou Diallo", "Oumar Diallo"), ("Ali", "Ali Hassan")]
    for first, second in pairs:
        forward = name_similarity(name_key(first), name_key(second))
        assert forward == name_similarity(name_key(second), name_key(first))
        assert 0 <= forward <= 1
    assert name_similarity(name_key("Ali"), name_key("Ali Hassan")) < 0.8  # a lone first name says little


def test_held_registration_confirmed_distinct_is_registered(mopti):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]])
    register(mopti["site"])
    fields = {
        "head_name": "Muhammad Traore",
        "head_sex": "M",
        "head_birth_year": 1980,
        "displacement_status": "idp",
        "males_18_59": 1,
        "females_18_59": 1,
        "site": mopti["site"],
    }
    with pytest.raises(ProbableDuplicate) as caught:
        register_household(registered_by=mopti["officer"], **fields)
    review = duplicate_services.hold_registration(fields=fields, match=caught.value.match, held_by=mopti["officer"])
    duplicate_services.confirm_distinct(review, decided_by=manager)
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.DISTINCT
    assert review.household.head_name == "Muhammad Traore"
    assert review.household.registered_by == mopti["officer"]
    with pytest.raises(ValidationError):
        duplicate_services.discard_held(review, decided_by=manager)  # decided once


def test_merge_moves_receipts_and_voids_a_kit_both_received(mopti):
    manager = factories.user(Role.PROGRAMME_MANAGER, projects=[mopti["project"]])
    officer, distribution = mopti["officer"], mopti["distribution"]
    kept = register(mopti["site"], head_name="Aminata Traoré", head_sex="F")
    duplicate = register(mopti["site"], head_name="Aminata Touré", head_sex="F")
    for household in (kept, duplicate):
        record_receipt(
            recorded_by=officer,
            distribution=distribution,
            household=household,
            kit_type=mopti["shelter"],
            verification_method="registration_code",
        )
    only_duplicate = record_receipt(
        recorded_by=officer,
        distribution=distribution,
        household=duplicate,
        kit_type=mopti["nfi"],
        verification_method="registration_code",
    ).receipt
    merge = duplicate_services.merge_flagged(duplicate.duplicate_review, decided_by=manager)

    assert (merge.kept, merge.merged, merge.receipts_moved, merge.receipts_voided) == (kept, duplicate, 2, 1)
    active = Receipt.objects.filter(household=kept, voided_at__isnull=True)
    assert sorted(active.values_list("kit_type__code", flat=True)) == ["ESK", "NFI"]
    voided = Receipt.objects.get(household=kept, voided_at__isnull=False)
    assert voided.void_reason.startswith("Merged") and voided.voided_by == manager
    only_duplicate.refresh_from_db()
    assert only_duplicate.household == kept and only_duplicate.voided_at is None
    duplicate.refresh_from_db()
    assert not duplicate.is_active and duplicate.merged_into == kept
    assert HouseholdMerge.objects.get().merged_by == manager
    # Dashboards count the kept household once, with both kits, right after the merge.
    assert HouseholdReach.objects.filter(household=duplicate).count() == 0
    assert HouseholdReach.objects.filter(household=kept).count() == 2
    assert_summaries_equal_a_rebuild()
    with pytest.raises(ValidationError):
        duplicate_services.merge_households(kept=kept, duplicate=duplicate, merged_by=manager)


def test_refresh_match_keys_fills_households_loaded_without_save(mopti):
    from django.core.management import call_command

    household = register(mopti["site"], head_name="Mohamed Traoré", phone="+223 70 12 34 56")
    Household.objects.filter(pk=household.pk).update(head_name_key="", head_name_skeleton="", phone_key="")
    call_command("refresh_match_keys")
    household.refresh_from_db()
    assert (household.head_name_key, household.phone_key) == ("muhammad traore", "70123456")


def test_a_probable_duplicate_outside_the_scope_is_registered_and_flagged_not_confirmed(mopti):
    """Issue 12: refusing it would confirm to the officer that someone is registered outside their scope."""
    segou = factories.site("SEG", admin_area=factories.area("ML0401", "Ségou"))
    known = register(segou, id_document_type="national_id", id_document_number="ML-123 456")
    segou_officer = factories.user(Role.FIELD_OFFICER, sites=[segou], username="segou.officer")
    again = {
        "head_name": "Sékou Coulibaly",
        "head_sex": "M",
        "head_birth_year": 1980,
        "displacement_status": "idp",
        "males_18_59": 1,
        "id_document_type": "national_id",
        "id_document_number": "ml123456",
    }
    outside = register_household(registered_by=mopti["officer"], site=mopti["site"], **again)
    assert outside.pk is not None  # registered, as without a match: nothing tells the officer
    review = outside.duplicate_review
    assert (review.kind, review.candidate, review.household) == ("flagged", known, outside)  # for a manager
    with pytest.raises(ProbableDuplicate) as inside:
        register_household(registered_by=segou_officer, site=segou, **again)
    assert known.display_code in inside.value.message_dict["head_name"][0]
