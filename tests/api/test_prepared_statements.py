"""Which statements PostgreSQL keeps prepared: a receipt POST's look-ups by unique key and its summaries'
statement (config.rows.prepared_cursor), and nothing else (settings.DATABASE_OPTIONS): a generic plan chosen for
common values made a rare name's household search 805 ms instead of 11 (docs/benchmarks.md, session 7)."""

import json

import pytest
from django.db import connection

from tests.api.conftest import receipt_item
from tests.api.test_reads import distinct_household

pytestmark = pytest.mark.django_db


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def post(api, item):
    return api.post("/api/v1/receipts/", json.dumps(item), content_type="application/json")


def test_a_receipt_posts_hot_statements_are_prepared_and_the_searches_are_not(officer_api, mopti):
    for _ in range(2):
        answer = post(officer_api, receipt_item(mopti, distinct_household(mopti["site"])))
        assert answer.status_code == 201, answer.json()
    assert officer_api.get("/api/v1/households/?search=Traoré").status_code == 200
    assert officer_api.get("/api/v1/receipts/").status_code == 200
    statements = prepared()
    kinds = {
        "token": '"authtoken_token" t JOIN',
        "plan": '"distributions_distributionitem" i JOIN',
        "household": 'FROM "beneficiaries_household" h WHERE h."registration_code" = $1',
        "lock": "FOR UPDATE OF h",
        "stored receipts": 'r WHERE r."client_uuid" = $1',
        "approved list": '"distributions_distributionlist" WHERE',
        "reach rows": 'FROM "distributions_householdreach" WHERE "household_id" = ANY($1::bigint[])',
        "summaries": "t0_delta",
    }
    assert {kind for kind, text in kinds.items() if any(text in statement for statement in statements)} == set(kinds)
    # Each prepared statement is one of those kinds: the list pages and the search are planned for their values.
    assert all(any(text in statement for text in kinds.values()) for statement in statements), statements


def test_a_refused_receipt_rolls_back_and_the_next_one_still_records(officer_api, mopti):
    household = distinct_household(mopti["site"])
    assert post(officer_api, receipt_item(mopti, household)).status_code == 201
    # The same household and kit again: refused inside record_receipt's transaction, after the prepared look-ups.
    assert post(officer_api, receipt_item(mopti, household)).status_code == 409
    answer = post(officer_api, receipt_item(mopti, distinct_household(mopti["site"])))
    assert answer.status_code == 201, answer.json()
    assert any("t0_delta" in statement for statement in prepared())
