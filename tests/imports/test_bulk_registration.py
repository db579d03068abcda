"""File imports register a batch set-based (services.register_households): same decisions as one at a time."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.audit import Channel, acting
from beneficiaries import codes, duplicates, services
from beneficiaries.imports import jobs
from beneficiaries.models import Household, ImportRow
from beneficiaries.services import ProbableDuplicate, register_household, register_households
from tests import factories
from tests.imports.conftest import csv_bytes, row, upload

pytestmark = pytest.mark.django_db


def fields(site, **changes) -> dict:
    values = {
        "head_name": "Mohamed Traoré",
        "head_sex": "M",
        "head_birth_year": 1980,
        "site": site,
        "displacement_status": "idp",
        "females_18_59": 1,
        "males_18_59": 1,
        "household_size": 2,
        "phone": "",
        "id_document_type": "",
        "id_document_number": "",
        "consent_given": True,
        "consent_date": None,
    }
    return {**values, **changes}


@pytest.fixture
def register(mopti):
    """A register: namesakes, a phone, an ID document, and a household in another admin 2 area."""
    site, segou = mopti["site"], factories.site("SEG", admin_area=factories.area("ML0401", "Ségou"))
    for values in [
        fields(site),
        fields(site, head_name="Aminata Traoré", head_sex="F", head_birth_year=1990),
        fields(site, head_name="Hawa Coulibaly", head_sex="F", head_birth_year=1970, phone="+223 70 11 22 33"),
        fields(segou, head_name="Oumar Diallo", id_document_type="national_id", id_document_number="ML-123 456"),
    ]:
        register_household(registered_by=None, **values)
    return site, segou


def batch(site, segou) -> list[dict]:
    """Rows a partner's file holds: every outcome, against the register and against earlier rows of the file."""
    return [
        fields(site, head_name="Muhammad Traore"),  # the stored Mohamed Traoré: held
        fields(site, head_name="Aminata Touré", head_sex="F", head_birth_year=1990),  # close to one stored: flagged
        fields(site, head_name="Oumou Sangaré", head_sex="F", head_birth_year=1975),  # new
        fields(site, household_size=5),  # refused: the counts add up to 2
        fields(site, head_name="Sékou Coulibaly", id_document_type="national_id", id_document_number="ml123456"),
        fields(site, head_name="Hawa Koulibaly", head_sex="F", head_birth_year=1972, phone="70112233"),
        fields(site, head_name="Fanta Sidibé", head_sex="F", head_birth_year=1992, phone="+223 76 00 00 01"),
        fields(site, head_name="Fanta Sidibe", head_sex="F", head_birth_year=1992, phone="76000001"),  # row above
        fields(site, head_name="Kadidia Dicko", head_sex="F", head_birth_year=1988),
        fields(site, head_name="Kadidia Dicka", head_sex="F", head_birth_year=1989, phone="+223 66 00 00 02"),
        fields(site, head_name="Oumar Diallo", head_birth_year=1981),  # as one stored in another area: new
        fields(site, head_name="Bintou Keïta", head_sex="F", head_birth_year=1850),  # refused: birth year
    ]


def one_at_a_time(rows: list[dict]) -> list[tuple]:
    """What the per-row path (register_household under bulk_checks, as imports ran before) decides."""
    decided = []
    with duplicates.bulk_checks():
        for values in rows:
            try:
                household = register_household(registered_by=None, **values)
            except ProbableDuplicate as duplicate:
                decided.append(("held", _name(duplicate.match.household), duplicate.match.likelihood))
            except ValidationError as error:
                decided.append(("invalid", sorted(error.message_dict), None))
            else:
                review = household.duplicate_review
                outcome = "flagged" if review else "created"
                decided.append((outcome, _name(review.candidate) if review else None, review and review.likelihood))
    return decided


def set_based(rows: list[dict]) -> list[tuple]:
    decided = []
    for done in register_households(rows, registered_by=None):
        review = done.review
        if done.outcome == "invalid":
            decided.append(("invalid", sorted(done.errors), None))
        else:
            decided.append((done.outcome, _name(review.candidate) if review else None, review and review.likelihood))
    return decided


def _name(household: Household) -> tuple:
    household.refresh_from_db()
    return (household.head_name, household.head_birth_year)


def test_a_batch_gets_the_outcomes_of_registering_its_rows_one_at_a_time(register):
    rows = batch(*register)
    with transaction.atomic():
        expected = one_at_a_time(rows)
        transaction.set_rollback(True)
    assert Household.objects.count() == 4
    assert set_based(rows) == expected
    assert [outcome for outcome, _candidate, _likelihood in expected] == [
        "held",
        "flagged",
        "created",
        "invalid",
        "held",
        "held",
        "created",
        "held",
        "created",
        "flagged",
        "created",
        "invalid",
    ]
    assert expected[7][1] == ("Fanta Sidibé", 1992)  # held against the row before it, written in the same batch
    assert expected[9][1] == ("Kadidia Dicko", 1988)  # flagged against an earlier row of the batch
    assert Household.objects.count() == 4 + 6


def test_what_a_batch_writes(register, mopti):
    site, segou = register
    officer = mopti["officer"]
    with acting(Channel.IMPORT, user=officer):
        done = register_households(batch(site, segou), registered_by=officer, duplicate_source="import:1:partner")
    created = [d.household for d in done if d.outcome in ("created", "flagged")]
    assert all(codes.is_valid(household.registration_code) for household in created)
    # 6 as registered by the system, plus Sékou Coulibaly: his ID document is known at Ségou, outside
    # the Mopti officer's scope, so the row is registered and flagged, not held (nothing confirmed to him).
    assert len({household.registration_code for household in created}) == 7
    assert (done[4].outcome, done[4].review.kind, done[4].review.candidate.site) == ("flagged", "flagged", segou)
    stored = Household.objects.get(pk=created[0].pk)
    assert (stored.head_name, stored.registered_by, stored.head_name_key) == ("Aminata Touré", officer, "aminata toure")
    history = stored.history.get()
    assert (history.history_type, history.channel, history.history_user) == ("+", "import", officer)
    held = done[0].review
    assert (held.kind, held.household, held.source, held.created_by) == ("held", None, "import:1:partner", officer)
    assert held.submitted_fields["head_name"] == "Muhammad Traore" and held.submitted_fields["site"] == site.pk
    flagged = done[1].review
    assert (flagged.kind, flagged.household, flagged.status) == ("flagged", created[0], "pending")
    assert done[3].errors == {"household_size": ["Household size is 5 but the sex and age counts add up to 2."]}


def test_the_statements_a_batch_takes_do_not_grow_with_its_rows(mopti):
    """Constant per batch (PostgreSQL's COPY of households and audit rows is not counted: one per batch too)."""

    def statements(count: int, first_year: int) -> int:
        rows = [
            fields(mopti["site"], head_name=f"Awa Diarra {i}", head_birth_year=first_year + i) for i in range(count)
        ]
        rows.append(fields(mopti["site"], head_name="Awa Diarra 0", head_birth_year=first_year))  # held
        with CaptureQueriesContext(connection) as queries:
            done = register_households(rows, registered_by=None)
        assert [d.outcome for d in done][-1] == "held"
        return len(queries)

    assert statements(3, 1950) == statements(15, 1970)


def test_a_registration_code_already_taken_makes_the_batch_draw_again(mopti, monkeypatch):
    taken = register_household(registered_by=None, **fields(mopti["site"])).registration_code
    real_new_codes, draws = codes.new_codes, []

    def first_draw_meets_a_stored_code(count: int) -> list[str]:
        draws.append(count)
        drawn = real_new_codes(count)
        return [taken, *drawn[1:]] if len(draws) == 1 else drawn

    monkeypatch.setattr(codes, "new_codes", first_draw_meets_a_stored_code)
    rows = [fields(mopti["site"], head_name=name, head_birth_year=1990) for name in ("Awa Diarra", "Sali Sow")]
    done = register_households(rows, registered_by=None)
    assert [d.outcome for d in done] == ["created", "created"]
    assert taken not in {d.household.registration_code for d in done}
    assert Household.objects.count() == 3 and draws == [2, 2]


def test_codes_drawn_in_bulk_are_distinct_and_valid():
    drawn = codes.new_codes(5000)
    assert len(set(drawn)) == 5000 and all(codes.is_valid(code) for code in drawn)


@pytest.mark.parametrize("batch_size", [500, 1])  # both rows in one batch, and in two
def test_a_household_typed_twice_in_one_file_is_registered_once(importer, batch_size):
    twice = [row(head_name="Fanta Sidibé", phone="+223 76 00 00 01"), row(head_name="SIDIBE Fanta", phone="76000001")]
    job = jobs.create_job(uploaded=upload(csv_bytes(twice)), created_by=importer)
    jobs.set_mapping(job, job.mapping, by=importer)
    jobs.validate_job(job)
    jobs.start_import(job)
    job = jobs.run_import(job, batch_size=batch_size)
    assert (job.created_count, job.held_count) == (1, 1)
    first, second = ImportRow.objects.filter(job=job).order_by("row_number")
    assert (first.outcome, second.outcome) == ("created", "held")
    assert second.review.candidate == first.household
    assert second.review.reasons == ["same phone and head of household name in the same area"]
    assert Household.objects.count() == 1


def test_services_validation_is_kept(mopti):
    done = register_households([{**fields(mopti["site"]), "colour": "blue"}], registered_by=None)
    assert (done[0].outcome, done[0].errors) == ("invalid", {"colour": ["Unknown field."]})
    assert services.register_households([], registered_by=None) == []
