"""The contract is exact (issue 18): each operation of the partner API has a description of its own (POST
/receipts/ once showed the list's), and the parameters it documents are the ones it accepts."""

import re

import pytest
import yaml
from django.urls import resolve

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        answer = Client().get("/api/schema/")
    assert answer.status_code == 200
    return yaml.safe_load(answer.content)


def _operations(schema) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of the views in the `api` package. The import, Kobo, progress and report
    views still live in beneficiaries/ and projects/ and are moving into api/: from then on they are checked."""
    found = []
    for path, operations in schema["paths"].items():
        view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func
        module = getattr(view, "cls", getattr(view, "view_class", None)).__module__
        if not module.startswith("api."):
            continue
        found += [(method, path, operation) for method, operation in operations.items() if method in METHODS]
    return found


def test_every_operation_has_a_description_of_its_own(schema):
    operations = _operations(schema)
    assert len(operations) > 30
    by_description: dict[str, list[str]] = {}
    for method, path, operation in operations:
        by_description.setdefault(operation.get("description", "").strip(), []).append(f"{method.upper()} {path}")
    assert "" not in by_description, f"without a description: {by_description.get('')}"
    shared = {text[:60]: names for text, names in by_description.items() if len(names) > 1}
    assert shared == {}, f"operations sharing a description: {shared}"


def test_record_a_receipt_is_not_described_as_the_list(schema):
    receipts = schema["paths"]["/api/v1/receipts/"]
    assert receipts["post"]["description"].startswith("Record a receipt")
    assert receipts["get"]["description"].startswith("Receipts in your scope")


def test_date_ranges_are_documented_half_open_everywhere(schema):
    """One convention, said in every parameter that takes it: `_after` included, `_before` excluded."""
    seen = 0
    for _method, _path, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and re.fullmatch(r"\w+_(after|before)", parameter["name"]):
                seen += 1
                expected = "Included" if parameter["name"].endswith("_after") else "Excluded"
                assert parameter.get("description", "").startswith(expected), (_path, parameter)
    assert seen >= 8


def test_412_is_documented_only_where_if_match_is_compared(schema):
    documented = {
        f"{method.upper()} {path}" for method, path, operation in _operations(schema) if "412" in operation["responses"]
    }
    assert documented == {"PATCH /api/v1/households/{id}/"}
