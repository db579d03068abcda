"""Which statements PostgreSQL keeps prepared: a receipt POST's look-ups by unique key and its summaries'
statement (config.rows.prepared_cursor), and nothing else (settings.DATABASE_OPTIONS): a generic plan chosen for
common values made a rare name's household search 805 ms instead of 11 (docs/benchmarks.md, session 7)."""

import json

import psycopg
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


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_before_the_token_look_up(officer_api):
    # The token's prepared look-up is a request's first statement: it must run Django's health check as the
    # ORM's cursors do, or every request after a database restart or an idle-killed connection is a 500.
    connection.ensure_connection()
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    connection.health_check_done = False  # what request_started does (close_old_connections)
    assert officer_api.get("/api/v1/receipts/").status_code == 200


def test_statements_not_asked_to_be_prepared_are_not_kept_by_psycopg(officer_api, mopti):
    # psycopg keeps the text of the statements it counts towards preparing; Django's statements (a bulk's
    # are hundreds of KB) must not be counted, only the ones prepared_cursor asks for.
    assert post(officer_api, receipt_item(mopti, distinct_household(mopti["site"]))).status_code == 201
    with connection.cursor() as cursor:
        for number in range(20):
            cursor.execute("SELECT %s::text IS NULL", ["x" * 100_000 + str(number)])
    assert connection.connection._prepared._counts == {}
    assert len(connection.connection._prepared._names) >= 8  # the receipt's prepared statements stay
