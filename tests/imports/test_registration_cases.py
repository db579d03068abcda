"""The registration cases of ../shared/cases/registration/ (README there): each right outcome, on the demo.

Each fault's kind is also tried beyond its file: CSV and XLSX imports, the KoboToolbox webhook and the API.
"""

import csv
import io
import json

import pytest

from beneficiaries.imports import jobs
from beneficiaries.imports import mapping as mappings
from beneficiaries.models import ColumnMapping, DuplicateReview, Household, ImportRow
from sites.models import Site
from tests.imports.conftest import upload
from tests.imports.registration_cases import CASES, api_for, as_xlsx, case, imported, rows_of

pytestmark = pytest.mark.django_db

CASES_HERE = CASES.is_dir()
if not CASES_HERE:
    pytest.skip(f"the shared registration cases are not beside the project ({CASES})", allow_module_level=True)


# --- placeholder ID numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_placeholder_id_numbers_are_no_document_and_the_rows_are_told(demo, kind):
    content = case("placeholder_id_numbers.csv")
    job = imported(content if kind == "csv" else as_xlsx(content), demo["officer"], name=f"ids.{kind}")
    assert (job.created_count, job.held_count, job.flagged_count, job.invalid_rows) == (4, 0, 0, 0)
    for row in rows_of(job).values():
        assert row.outcome == "created"
        assert row.household.id_document_number == "" and row.household.id_document_type == ""
        assert "is not an ID document number" in row.notes[0]["note"]
        assert row.notes[0]["column"] == "id_document_number"


def test_placeholder_id_numbers_through_the_api_and_the_webhook(demo):
    api = api_for(demo["officer"])
    base = {
        "head_sex": "M",
        "head_birth_year": 1971,
        "site": "ML-MOP-TAK",
        "displacement_status": "idp",
        "males_18_59": 1,
        "consent_given": True,
        "id_document_type": "national_id",
    }
    for name, number in [("Modibo Sacko", "N/A"), ("Seydou Dembélé", "n/a"), ("Lassina Coulibaly", "000000")]:
        response = api.post(
            "/api/v1/households/", {**base, "head_name": name, "id_document_number": number}, format="json"
        )
        assert response.status_code == 201, response.content
        assert Household.objects.get(head_name=name).id_document_number == ""
    submission = kobo("placeholder-1", **{"household/id_type": "national_id", "household/id_number": "inconnu"})
    response = api_for(demo["manager"]).post("/api/v1/kobo/submissions/?source=ids", submission, format="json")
    assert response.status_code == 201, response.content
    assert "is not an ID document number" in response.json()["notes"][0]["note"]


def test_a_same_document_with_everything_else_different_is_not_certain(demo):
    from beneficiaries.duplicates import best_match, review_threshold
    from tests import factories

    site = Site.objects.get(code="ML-MOP-TAK")
    factories.household(
        site,
        head_name="Oumou Sangaré",
        head_sex="F",
        head_birth_year=1995,
        id_document_type="national_id",
        id_document_number="ML-123456",
        phone="",
    )
    probe = Household(
        head_name="Bakary Diarra",
        head_sex="M",
        head_birth_year=1961,
        site=site,
        id_document_type="national_id",
        id_document_number="ML-123456",
    )
    match = best_match(probe)
    assert match is not None and match.likelihood < 1.0 and match.likelihood == review_threshold()
    assert "same ID document" in match.reasons


# --- KoboToolbox select_multiple ----------------------------------------------------------------------


def kobo(uuid: str, **changes) -> dict:
    submission = json.loads(case("kobo_select_multiple_vulnerability.json"))
    submission.update({"_uuid": uuid, "meta/instanceID": f"uuid:{uuid}"}, **changes)
    return submission


def test_a_kobo_select_multiple_answer_sets_every_chosen_flag(demo):
    submission = json.loads(case("kobo_select_multiple_vulnerability.json"))
    response = api_for(demo["manager"]).post("/api/v1/kobo/submissions/?source=mopti-form", submission, format="json")
    assert response.status_code == 201, response.content
    household = Household.objects.get(head_name="Aminata Kouyaté")
    assert (household.woman_headed, household.person_with_disability, household.pregnant_or_lactating) == (
        True,
        True,
        True,
    )
    assert not household.chronic_illness and not household.child_headed


def test_an_option_not_understood_is_refused_by_name(demo):
    submission = kobo("vuln-2", vulnerability="woman_headed orphan_care")
    response = api_for(demo["manager"]).post("/api/v1/kobo/submissions/?source=mopti-form", submission, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "vulnerability"
    assert "'orphan_care' is not a vulnerability we know" in response.json()["errors"][0]["reason"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_forms_of_select_multiple_in_files(demo, kind):
    """Kobo exports: the space-separated column, or one column per option with 1/0 or True/False."""
    text = (
        "household/head_name,household/head_sex,household/head_birth_year,location/site,displacement_status,"
        "members/f_18_59,vulnerability,vulnerability/disability,vulnerability/pregnant_lactating\n"
        "Fanta Camara,female,1990,ML-MOP-WAL,idp,1,woman_headed disability,1,0\n"
        "Kadia Tangara,female,1988,ML-MOP-WAL,idp,1,,False,True\n"
    )
    content = text.encode()
    job = imported(content if kind == "csv" else as_xlsx(content), demo["officer"], name=f"vuln.{kind}")
    assert job.created_count == 2, list(ImportRow.objects.filter(job=job).values("errors"))
    fanta = Household.objects.get(head_name="Fanta Camara")
    kadia = Household.objects.get(head_name="Kadia Tangara")
    assert (fanta.woman_headed, fanta.person_with_disability, fanta.pregnant_or_lactating) == (True, True, False)
    assert (kadia.woman_headed, kadia.person_with_disability, kadia.pregnant_or_lactating) == (False, False, True)


# --- exact names beat aliases; ignored stays ignored -------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_household_head_wins_over_the_respondent_in_a_file(demo, kind):
    content = case("kobo_export_respondent_ignored.csv")
    job = imported(content if kind == "csv" else as_xlsx(content), demo["officer"], name=f"kobo.{kind}")
    assert job.created_count == 1
    household = Household.objects.get(head_name="Rokia Diarra")
    assert (household.phone, household.head_sex) == ("+22366009900", "F")
    assert not Household.objects.filter(head_name="Issa Diarra").exists()
    report = {entry["column"]: entry for entry in mappings.columns_report(job.headers, job.mapping, job.source)}
    assert set(report) == set(job.headers)  # every column of the file accounted for
    assert report["household/head_name"]["field"] == "head_name"
    assert report["respondent/name"]["status"] == "ignored" and "respondent" in report["respondent/name"]["reason"]


def test_the_webhook_keeps_an_ignored_column_ignored(demo):
    headers, values = list(csv.reader(io.StringIO(case("kobo_export_respondent_ignored.csv").decode())))
    api = api_for(demo["manager"])
    ColumnMapping.objects.create(source="mopti-hh", mapping={"respondent/name": "", "respondent/phone": ""})
    for number in range(2):  # every submission, not only the first
        submission = dict(zip(headers, values, strict=True)) | {"_uuid": f"resp-{number}"}
        if number:  # another family of the same form
            submission |= {"household/head_name": "Sali Diarra", "household/phone": "+22366009901"}
        response = api.post("/api/v1/kobo/submissions/?source=mopti-hh", submission, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["outcome"] == "created"
    assert Household.objects.filter(head_name="Rokia Diarra", phone="+22366009900").count() == 1
    assert Household.objects.filter(head_name="Sali Diarra", phone="+22366009901").count() == 1
    assert not Household.objects.filter(head_name="Issa Diarra").exists()
    # Without any remembered choice, too: the exact field names win.
    submission = dict(zip(headers, values, strict=True)) | {"_uuid": "resp-new", "household/head_name": "Awa Diarra"}
    submission["household/phone"] = "+22366009902"
    response = api.post("/api/v1/kobo/submissions/?source=another-form", submission, format="json")
    assert response.status_code == 201, response.content


def test_an_api_import_without_mapping_refuses_a_household_looking_column_it_cannot_place(demo):
    text = (
        "head_name,head_sex,head_birth_year,site,displacement_status,females_18_59,type_piece_du_chef,"
        "numero_de_la_piece_du_chef\nAwa Traoré,F,1990,ML-MOP-WAL,idp,1,national_id,ML 2020\n"
    )
    api = api_for(demo["officer"])
    response = api.post("/api/v1/imports/", {"file": upload(text.encode())}, format="multipart")
    assert response.status_code == 400
    assert "type_piece_du_chef" in str(response.json()) and "numero_de_la_piece_du_chef" in str(response.json())
    mapping = {"type_piece_du_chef": "id_document_type", "numero_de_la_piece_du_chef": "id_document_number"}
    job = jobs.create_job(uploaded=upload(text.encode()), created_by=demo["officer"])
    full = {**job.mapping, **mapping}
    response = api.post(
        "/api/v1/imports/", {"file": upload(text.encode()), "mapping": json.dumps(full)}, format="multipart"
    )
    assert response.status_code == 202, response.content
    assert all(entry["status"] == "mapped" for entry in response.json()["columns"])


def test_the_mopti_kobo_export_keeps_its_document_and_pregnancy_columns(demo):
    text = (
        "identification/nom_chef_menage,identification/sexe_chef_menage,identification/annee_naissance,"
        "localisation/site,statut,composition/femmes_18_59,identification/type_piece_identite,"
        "identification/numero_piece_identite,vulnerabilite/femme_enceinte_ou_allaitante\n"
        "Mariam Kassogué,F,1994,ML-MOP-WAL,PDI,1,NINA,41507230118999K,oui\n"
    )
    job = imported(text.encode(), demo["officer"], name="mopti.csv")
    assert job.created_count == 1
    household = Household.objects.get(head_name="Mariam Kassogué")
    assert (household.id_document_type, household.id_document_number) == ("nina", "41507230118999K")
    assert household.pregnant_or_lactating


# --- consent refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_row_without_consent_is_refused_with_the_reason(demo, kind):
    content = case("consent_refused.csv")
    job = imported(content if kind == "csv" else as_xlsx(content), demo["officer"], name=f"consent.{kind}")
    assert (job.created_count, job.invalid_rows) == (0, 1)
    (row,) = rows_of(job).values()
    assert row.errors[0]["column"] == "consent" and "Consent was not given" in row.errors[0]["reason"]
    assert not Household.objects.filter(head_name="Kadiatou Sangaré").exists()


def test_consent_refused_through_the_api_and_the_webhook(demo):
    payload = {
        "head_name": "Kadiatou Sangaré",
        "head_sex": "F",
        "head_birth_year": 1990,
        "site": "ML-MOP-WAL",
        "displacement_status": "idp",
        "females_18_59": 1,
        "males_0_5": 1,
        "phone": "+223 66 55 44 33",
        "consent_given": False,
    }
    response = api_for(demo["officer"]).post("/api/v1/households/", payload, format="json")
    assert response.status_code == 400
    assert "Consent was not given" in str(response.json())
    response = api_for(demo["manager"]).post(
        "/api/v1/kobo/submissions/?source=consent", kobo("consent-1", consent="no"), format="json"
    )
    assert response.status_code == 400 and "Consent was not given" in response.json()["errors"][0]["reason"]
    assert not Household.objects.filter(head_name__in=["Kadiatou Sangaré", "Aminata Kouyaté"]).exists()


# --- national ID document types ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_mali_nina_card_is_an_id_document(demo, kind):
    content = case("mali_nina_id.csv")
    job = imported(content if kind == "csv" else as_xlsx(content), demo["officer"], name=f"nina.{kind}")
    assert job.created_count == 1, list(ImportRow.objects.filter(job=job).values("errors"))
    household = Household.objects.get(head_name="Boubacar Guindo")
    assert (household.id_document_type, household.id_document_number) == ("nina", "41507230118452K")


def test_id_document_types_are_per_country_by_code_or_label(demo):
    api = api_for(demo["officer.iraq"])
    base = {
        "head_sex": "F",
        "head_birth_year": 1985,
        "site": "IQ-DUH-CHM",
        "displacement_status": "idp",
        "females_18_59": 1,
        "consent_given": True,
    }
    ok = api.post(
        "/api/v1/households/",
        {**base, "head_name": "Layla Hasan", "id_document_type": "pds_card", "id_document_number": "PDS-88812"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    nina = api.post(
        "/api/v1/households/",
        {**base, "head_name": "Nour Ali", "id_document_type": "nina", "id_document_number": "41507230118452K"},
        format="json",
    )
    assert nina.status_code == 400 and "id_document_type" in nina.json().get("errors", nina.json())
    submission = kobo(
        "nina-label",
        **{"household/id_type": "Carte NINA (numéro d'identification nationale)", "household/id_number": "4150X"},
    )
    response = api_for(demo["manager"]).post("/api/v1/kobo/submissions/?source=nina", submission, format="json")
    assert response.status_code == 201, response.content
    assert Household.objects.get(head_name="Aminata Kouyaté").id_document_type == "nina"


# --- across scripts ------------------------------------------------------------------------------------


def test_the_same_head_in_arabic_and_latin_script_is_flagged(demo):
    first, second = json.loads(case("cross_script_pair.json"))
    api = api_for(demo["officer.iraq"])
    assert api.post("/api/v1/households/", first, format="json").status_code == 201
    response = api.post("/api/v1/households/", second, format="json")
    original = Household.objects.get(head_name="Khalid Jasim Mahmoud")
    if response.status_code == 201:
        review = DuplicateReview.objects.get(household__head_name="خالد جاسم محمود")
        assert review.candidate == original and review.kind == "flagged"
        assert any("across scripts" in reason for reason in review.reasons)
    else:  # held: at least flagged
        assert response.status_code == 400 and original.display_code in str(response.json())


def test_the_pair_is_flagged_in_a_file_import_too(demo):
    first, second = json.loads(case("cross_script_pair.json"))
    api = api_for(demo["officer.iraq"])
    assert api.post("/api/v1/households/", first, format="json").status_code == 201
    headers = [key for key in second if key != "consent_given"]
    text = ",".join(headers) + "\n" + ",".join(str(second[key]) for key in headers) + "\n"
    job = imported(text.encode(), demo["officer.iraq"], name="iraq.csv")
    assert job.flagged_count + job.held_count == 1
