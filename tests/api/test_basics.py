"""Authentication, the token endpoint, problem details, scoping and the schema."""

import pytest
from django.test import override_settings

from accounts.models import Role
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_token_exchange_then_authenticated_call(mopti):
    client = client_for(mopti["officer"])
    client.credentials()
    answer = client.post(
        "/api/v1/auth/token/", {"username": "officer", "password": "a-long-test-password"}, format="json"
    )
    assert answer.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert client.get("/api/v1/sites/").json()["results"][0]["code"] == "WAL"


def test_wrong_password_is_a_problem_not_a_token(mopti):
    answer = client_for(mopti["officer"]).post(
        "/api/v1/auth/token/", {"username": "officer", "password": "wrong-password!"}, format="json"
    )
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_credentials"
    assert "token" not in answer.json()


def test_without_credentials_401_with_challenge(client, mopti):
    answer = client.get("/api/v1/households/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"
    body = answer.json()
    assert body["status"] == 401 and body["code"] == "not_authenticated" and body["type"].startswith("https://")


def test_bad_token_401(client, mopti):
    assert client.get("/api/v1/sites/", HTTP_AUTHORIZATION="Token nope").status_code == 401
    # A NUL byte reaches Django under servers that do not refuse it in headers (runserver): 401, not a 500.
    assert client.get("/api/v1/sites/", HTTP_AUTHORIZATION="Token abc\x00def").status_code == 401


def test_session_auth_works_for_the_browser(client, mopti):
    client.force_login(mopti["officer"])
    assert client.get("/api/v1/sites/").status_code == 200


def test_api_root_lists_resources(officer_api):
    body = officer_api.get("/api/v1/").json()
    assert {"admin-areas", "sites", "households", "kit-types", "projects", "distributions", "receipts"} <= set(body)


def test_unknown_address_is_a_json_404(officer_api):
    answer = officer_api.get("/api/v1/nothing-here/")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    # No slash: still a problem, never Django's APPEND_SLASH error for a POST.
    assert officer_api.post("/api/v1/receipts", {}, format="json").status_code == 404


def test_method_not_allowed_405(officer_api):
    answer = officer_api.delete("/api/v1/sites/")
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"


def test_malformed_json_400(officer_api, mopti):
    answer = officer_api.post("/api/v1/receipts/", "{not json", content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"


def test_form_body_415(officer_api):
    answer = officer_api.post("/api/v1/receipts/", {"distribution": "1"})  # multipart
    assert answer.status_code == 415
    assert answer.json()["code"] == "unsupported_media_type"


def test_donor_may_not_write_403(donor_api, mopti):
    answer = donor_api.post("/api/v1/receipts/", {}, format="json")
    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"


def test_out_of_scope_object_is_404_without_content(officer_api, elsewhere):
    for path in (
        f"/api/v1/households/{elsewhere['household'].pk}/",
        f"/api/v1/distributions/{elsewhere['distribution'].pk}/",
        f"/api/v1/sites/{elsewhere['site'].pk}/",
    ):
        answer = officer_api.get(path)
        assert answer.status_code == 404, path
        assert "head_name" not in answer.content.decode()


def test_huge_id_in_path_is_404_not_500(officer_api):
    assert officer_api.get("/api/v1/households/99999999999999999999999/").status_code == 404
    assert officer_api.get("/api/v1/households/999999999999999999/").status_code == 404


def test_throttled_per_token_429_with_retry_after(mopti, monkeypatch):
    from api.throttling import PartnerRateThrottle

    monkeypatch.setitem(PartnerRateThrottle.THROTTLE_RATES, "api_user", "3/minute")
    api = client_for(mopti["officer"])
    statuses = [api.get("/api/v1/kit-types/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    answer = api.get("/api/v1/kit-types/")
    assert answer.json()["code"] == "throttled" and int(answer["Retry-After"]) > 0
    # Another token has its own budget.
    other = client_for(factories.user(Role.FIELD_OFFICER, sites=[mopti["site"]]))
    assert other.get("/api/v1/kit-types/").status_code == 200


def test_throttled_per_anonymous_address(client, mopti, monkeypatch):
    from api.throttling import AnonymousRateThrottle

    monkeypatch.setitem(AnonymousRateThrottle.THROTTLE_RATES, "api_anon", "2/minute")
    payload = {"username": "officer", "password": "wrong-password!"}
    statuses = [
        client.post("/api/v1/auth/token/", payload, content_type="application/json").status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_schema_is_valid_openapi_and_docs_render_offline(client):
    import yaml
    from drf_spectacular.validation import validate_schema

    answer = client.get("/api/schema/")
    assert answer.status_code == 200
    schema = yaml.safe_load(answer.content)
    validate_schema(schema)  # against the OpenAPI 3 JSON schema
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    bulk = schema["paths"]["/api/v1/receipts/bulk/"]["post"]
    assert {"200", "400", "401", "403", "409", "415", "422", "429"} <= set(bulk["responses"])
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs and "cdn" not in docs.lower()
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


@override_settings(DEBUG=False)
def test_unexpected_fields_and_long_strings_are_400_and_change_nothing(officer_api, mopti):
    from beneficiaries.models import Household

    payload = {
        "head_name": "x" * 10_000,
        "head_sex": "F",
        "head_birth_year": 1990,
        "site": mopti["site"].code,
        "displacement_status": "idp",
        "females_18_59": 1,
        "favourite_colour": "blue",
    }
    answer = officer_api.post("/api/v1/households/", payload, format="json")
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert "favourite_colour" in errors
    payload.pop("favourite_colour")
    answer = officer_api.post("/api/v1/households/", payload, format="json")
    assert "head_name" in answer.json()["errors"]
    assert not Household.objects.exists()


def test_nul_characters_are_400_not_database_errors(client, mopti):
    from accounts.models import Role as Roles

    api = client_for(factories.user(Roles.ADMINISTRATOR, username="nul-admin"))
    assert api.get("/api/v1/receipts/?site=WA%00L").status_code == 400
    assert api.get("/api/v1/households/?admin_area=ML%0005").status_code == 400
    assert api.get("/api/v1/exports/3w.json?project=X%00").status_code == 400
    payload = {
        "project": "MLI\x00",
        "site": "WAL",
        "name": "n",
        "planned_start": "2024-01-01",
        "planned_end": "2024-01-02",
    }
    answer = api.post("/api/v1/distributions/", payload, format="json")
    assert answer.status_code == 400 and "project" in answer.json()["errors"]
