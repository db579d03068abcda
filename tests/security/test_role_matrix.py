"""The role matrix, generated from the URL configuration itself.

Every route Django resolves (pages, the partner API and its router, the admin) is asked, by every
role, for an object in the role's scope and one out of it, with GET, POST (PATCH where the API
edits) and DELETE. The answers must match ROUTE_RULES, the issue's role table written per route:

* a role allowed on a route gets the content for an object in scope, and 404 for one out of scope;
* a role not allowed gets 403, 404 or 405 (the admin: a redirect to its sign-in page), never content;
* anonymous visitors are sent to sign in (pages) or refused (API), except on the PUBLIC routes;
* no response to a donor viewer, a partner without the personal-data grant or a visitor carries
  a household's name, phone or registration code, and no response to a non-administrator carries
  those of a household out of its scope.

A route that is missing from ROUTE_RULES fails the suite: a page added later without a reviewed
rule cannot slip through. The matrix data (the demo, scoped accounts and one object of each kind
on both sides) is built once per module inside a transaction rolled back at the end.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.matrix_world import (
    ADMIN,
    AGGREGATE_ONLY,
    FIELD,
    IMPORTERS,
    MANAGERS,
    NO_PERSONAL_DATA,
    NOBODY,
    PERSONAL,
    PLANNERS,
    PROGRESS,
    RECONCILERS,
    RESULTS,
    ROLES,
    ROWS,
    SIGNED_IN,
    STOCK,
    STOCK_WRITERS,
    Route,
    World,
    admin_model,
)


@dataclass(frozen=True)
class Rule:
    """Who may read (GET) and write on a route, and which object each URL keyword names."""

    read: frozenset = NOBODY
    write: frozenset = NOBODY
    write_method: str = "post"
    objects: dict = field(default_factory=dict)  # URL keyword -> kind of object in the fixture registry
    public: bool = False  # anonymous visitors may use it (reviewed allow-list below)


def scoped(read=NOBODY, write=NOBODY, write_method="post", **objects) -> Rule:
    return Rule(read=read, write=write, write_method=write_method, objects=objects)


# Public routes, reviewed: signing in and out, password reset by e-mail, language choice, the health
# probe, the field app's service worker and manifest (no data: the shell's file names), the API's
# token exchange and its contract (schema and its documentation: the shape of the API, no data), and
# the API's catch-all, which answers 404 to everyone.
PUBLIC = Rule(public=True)
PUBLIC_ROUTES = {
    "healthz",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    "set_language",
    "password_reset_confirm",
    "field-sw",
    "field-manifest",
    "api-schema",
    "api-docs",
    "api-redoc",
    "v1:api-token",
    "api/^[\\s\\S]*$",
}

ROUTE_RULES: dict[str, Rule] = {
    **{name: PUBLIC for name in PUBLIC_ROUTES},
    "password_reset_confirm": Rule(public=True, objects={"uidb64": "uidb64", "token": "token"}),
    "home": Rule(read=SIGNED_IN),
    "password_change": Rule(read=SIGNED_IN, write=SIGNED_IN),
    "password_change_done": Rule(read=SIGNED_IN),
    # Dashboards and donor reports.
    # Lists answer every signed-in role with what is in its scope (empty for a role with none).
    "dashboard:project-list": Rule(read=SIGNED_IN),
    "dashboard:project": scoped(PROGRESS, pk="project"),
    "dashboard:request-report": scoped(NOBODY, MANAGERS, pk="project"),
    "dashboard:report-download": scoped(PROGRESS, pk="report", fmt="fmt"),
    # Registration imports and duplicate review.
    "imports:list": Rule(read=IMPORTERS, write=IMPORTERS),
    "imports:detail": scoped(IMPORTERS, pk="import_job"),
    "imports:mapping": scoped(IMPORTERS, IMPORTERS, pk="import_job"),
    "imports:status": scoped(IMPORTERS, pk="import_job"),
    "imports:start": scoped(NOBODY, IMPORTERS, pk="import_job"),
    "imports:errors": scoped(IMPORTERS, pk="import_job"),
    "imports:review-list": Rule(read=MANAGERS),
    "imports:review-detail": scoped(MANAGERS, MANAGERS, pk="review"),
    # Activity results (issue 21): reported by officers at their sites and managers, reviewed by managers.
    "indicators:list": Rule(read=RESULTS),
    "indicators:report": Rule(read=RESULTS, write=RESULTS),
    "indicators:result": scoped(RESULTS, pk="indicator_result"),
    "indicators:correct": scoped(RESULTS, RESULTS, pk="indicator_result"),
    "indicators:review": scoped(NOBODY, MANAGERS, pk="indicator_result"),
    "indicators:evidence": scoped(RESULTS, pk="indicator_result"),
    # Field app.
    "beneficiaries:register": Rule(read=PERSONAL, write=PERSONAL),
    "beneficiaries:cards": Rule(read=PERSONAL),
    "beneficiaries:history": scoped(PERSONAL, pk="household"),
    "distributions:picker": Rule(read=SIGNED_IN),
    "distributions:screen": scoped(FIELD, pk="distribution"),
    "distributions:search": scoped(FIELD, pk="distribution"),
    "distributions:offline": scoped(FIELD, pk="distribution"),
    "distributions:household": scoped(PERSONAL, pk="distribution", household_pk="household"),
    "distributions:receive": scoped(NOBODY, PERSONAL, pk="distribution", household_pk="household"),
    # Field pages show the household's code: only where the household itself is visible.
    "distributions:void": scoped(PERSONAL, PERSONAL, pk="distribution", receipt_pk="receipt"),
    # Stock (issue 20): a distribution's reconciliation and its PDF; storekeepers' warehouses.
    "distributions:reconciliation": scoped(RECONCILERS, pk="distribution"),
    "distributions:site-movement": scoped(NOBODY, RECONCILERS, pk="distribution"),
    "distributions:explain-variance": scoped(NOBODY, RECONCILERS, pk="distribution"),
    "dashboard:reconciliation-pdf": scoped(RECONCILERS, pk="distribution"),
    "stock:warehouses": Rule(read=SIGNED_IN),
    "stock:warehouse": scoped(STOCK, STOCK_WRITERS, pk="warehouse"),
    # Distribution lists (issue 19): managers plan, approve and change them; officers print sign sheets and see
    # what is left to serve and their day; overriding a list is a supervisor's (the matrix's officer is not one).
    "lists:plan": scoped(MANAGERS, MANAGERS, project_pk="project"),
    "lists:detail": scoped(MANAGERS, MANAGERS, pk="distribution"),
    "lists:approve": scoped(NOBODY, MANAGERS, pk="distribution"),
    "lists:change": scoped(NOBODY, MANAGERS, pk="distribution"),
    "lists:pending": scoped(PERSONAL, pk="distribution"),
    "lists:tally": scoped(FIELD, FIELD, pk="distribution"),
    "lists:offline": scoped(PERSONAL, pk="distribution"),
    "lists:override": scoped(NOBODY, MANAGERS, pk="distribution", household_pk="household"),
    "dashboard:sign-sheet": scoped(IMPORTERS, pk="distribution"),
    # Partner API.
    "v1:api-root": Rule(read=SIGNED_IN),
    # Reference data every account reads; administrators create and rename areas (issue 18).
    "v1:admin-area-list": Rule(read=SIGNED_IN, write=ADMIN),
    "v1:admin-area-detail": Rule(read=SIGNED_IN, write=ADMIN, write_method="patch", objects={"pcode": "pcode"}),
    "v1:kit-type-list": Rule(read=SIGNED_IN),
    "v1:kit-type-detail": Rule(read=SIGNED_IN, objects={"code": "kit_code"}),
    # Registration systems push their sites (accounts.selectors.can_manage_sites): the planners' roles.
    "v1:site-list": Rule(read=SIGNED_IN, write=PLANNERS),
    "v1:site-detail": scoped(SIGNED_IN, PLANNERS, "patch", pk="site"),
    "v1:household-list": Rule(read=ROWS, write=PERSONAL),
    "v1:household-detail": scoped(PERSONAL, PERSONAL, "patch", pk="household"),
    # Projects and targets: administrators and programme managers write (accounts.selectors.can_manage_projects).
    "v1:project-list": Rule(read=SIGNED_IN, write=MANAGERS),
    "v1:project-detail": scoped(PROGRESS, MANAGERS, "patch", pk="project"),
    "v1:target-list": Rule(read=SIGNED_IN, write=MANAGERS),
    "v1:target-detail": scoped(PROGRESS, MANAGERS, "patch", pk="target"),
    "v1:project-progress": scoped(PROGRESS, pk="project"),
    "v1:distribution-list": Rule(read=SIGNED_IN, write=PLANNERS),
    "v1:distribution-detail": scoped(SIGNED_IN, PLANNERS, "patch", pk="distribution"),
    "v1:receipt-list": Rule(read=ROWS, write=FIELD),
    "v1:receipt-bulk": Rule(write=FIELD),
    "v1:receipt-detail": scoped(ROWS, pk="receipt"),
    "v1:receipt-void": scoped(NOBODY, FIELD, pk="receipt"),
    "v1:stock-movement-list": Rule(read=STOCK, write=STOCK_WRITERS),
    "v1:stock-balance-list": Rule(read=STOCK),
    "v1:export-3w-csv": Rule(read=SIGNED_IN),
    "v1:export-3w-json": Rule(read=SIGNED_IN),
    "v1:progress-reports": Rule(read=SIGNED_IN, write=MANAGERS),
    "v1:progress-report": scoped(PROGRESS, pk="report"),
    "v1:progress-report-download": scoped(PROGRESS, pk="report", fmt="fmt"),
    "v1:import-list": Rule(write=IMPORTERS),
    "v1:import-detail": scoped(IMPORTERS, pk="import_job"),
    "v1:import-start": scoped(NOBODY, IMPORTERS, pk="import_job"),
    "v1:kobo-submissions": Rule(write=IMPORTERS),
    # Activity indicators: read with the project, defined by managers; results as on the pages (issue 21).
    "v1:indicator-list": Rule(read=SIGNED_IN, write=MANAGERS),
    "v1:indicator-detail": scoped(SIGNED_IN, MANAGERS, "patch", pk="indicator"),
    "v1:indicator-result-list": Rule(read=RESULTS, write=RESULTS),
    "v1:indicator-result-detail": scoped(RESULTS, RESULTS, "patch", pk="indicator_result"),
    "v1:indicator-result-approve": scoped(NOBODY, MANAGERS, pk="indicator_result"),
    "v1:indicator-result-return": scoped(NOBODY, MANAGERS, pk="indicator_result"),
    # Lists through the API: the planners' roles read them and supply households; managers approve; supervisors
    # (managers here) override. Household ids only: no code or name leaves through these.
    "v1:dlists": Rule(read=PLANNERS),
    "v1:dlist": scoped(PLANNERS, PLANNERS, pk="distribution"),
    "v1:dlist-approve": scoped(NOBODY, MANAGERS, pk="distribution"),
    "v1:dlist-households": scoped(PLANNERS, PLANNERS, pk="distribution"),
    "v1:dlist-overrides": scoped(NOBODY, MANAGERS, pk="distribution"),
}
# The admin: administrators only, every page (its own sign-in page aside).
ADMIN_PUBLIC = {"admin:login", "admin:logout"}
ADMIN_OBJECTS = {
    "object_id": "admin_object",
    "id": "admin_object",
    "content_type_id": "content_type",
    "app_label": "app_label",
    "url": "url",
}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            key = f"{namespace}{entry.name}" if entry.name else pattern
            regex = entry.pattern.regex
            named = tuple(regex.groupindex)
            yield Route(key, pattern, named, regex.groups - len(named))


def all_routes() -> list[Route]:
    """Every route of the URL configuration, once each (the first of two same-named routes wins, as in reverse)."""
    routes: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        routes.setdefault(route.key, route)
    return list(routes.values())


ROUTES = all_routes()


def rule_for(route: Route) -> Rule | None:
    if route.is_admin:
        if route.key in ADMIN_PUBLIC:
            return PUBLIC
        return Rule(read=ADMIN, objects={name: ADMIN_OBJECTS.get(name, "missing") for name in route.keywords})
    return ROUTE_RULES.get(route.key)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media_root = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root), transaction.atomic():
        yield World(media_root)
        transaction.set_rollback(True)


# --- asking and judging --------------------------------------------------------------------------


def fill(pattern: str, kwargs: dict) -> str:
    """The address of an unnamed route: its pattern with each keyword replaced by its value."""
    for name, value in kwargs.items():
        pattern = re.sub(rf"<(\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), pattern)
    return "/" + pattern.replace("^", "").replace("$", "")


def url_for(route: Route, rule: Rule, world: World, role: str, side: str) -> str:
    if route.key == "api/^[\\s\\S]*$":
        return "/api/anything/"
    if route.positional:  # an admin page of one past version of an object: its id and the version's
        instance = admin_model(route)._default_manager.order_by("pk").first()
        return reverse(route.key, args=[instance.pk, instance.history.order_by("pk").first().pk])
    if not route.keywords:
        return reverse(route.key)
    missing = [name for name in route.keywords if name not in rule.objects]
    assert not missing, f"{route.key}: no object kind registered for URL keyword(s) {missing}"
    kwargs = {name: world.value(rule.objects[name], role, side, route) for name in route.keywords}
    if route.key == route.pattern:
        return fill(route.pattern, kwargs)
    return reverse(route.key, kwargs=kwargs)


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response.get("Location", "")


def judge(route: Route, rule: Rule, role: str, side: str, method: str, response, world: World) -> list[str]:
    status = response.status_code
    where = f"{method.upper()} {route.key} as {role} ({side} of scope) -> {status}"
    problems = []
    body = body_of(response)
    if status >= 500:
        return [f"{where}: server error"]
    if role in NO_PERSONAL_DATA and (found := world.personal_strings.search(body)):
        problems.append(f"{where}: personal data in the body ({found.group(0)!r})")
    if role != "administrator" and (found := world.foreign_strings.search(body)):
        problems.append(f"{where}: a household out of scope in the body ({found.group(0)!r})")
    if rule.public:
        return problems
    allowed = role in (rule.read if method == "get" else rule.write if method == rule.write_method else NOBODY)
    in_scope = side == "in" or role == "administrator" or not rule.objects
    if role == "anonymous":
        refused = is_sign_in_redirect(response) or status in (401, 403, 405)
        ok = refused
    elif route.is_admin and allowed:
        # The administrator is let in (some pages then refuse an action, e.g. deleting a receipt).
        ok = not is_sign_in_redirect(response)
    elif allowed and in_scope:
        ok = status in (200, 302) if method == "get" else status not in (401, 403, 404, 405)
    elif allowed:
        ok = status == 404
    else:
        ok = status in (403, 404, 405) or (route.is_admin and is_sign_in_redirect(response))
    if not ok:
        problems.append(f"{where}: not what the role table says")
    return problems


def ask(client: Client, route: Route, method: str, url: str):
    if method == "get":
        return client.get(url)
    if route.is_api:
        return getattr(client, method)(url, data="{}", content_type="application/json")
    return getattr(client, method)(url, data={})


@pytest.fixture(autouse=True)
def no_throttle_carry_over():
    cache.clear()  # API throttle counters: each route starts afresh


@pytest.mark.parametrize("route", ROUTES, ids=[route.key for route in ROUTES])
def test_route_answers_each_role_as_the_table_says(route: Route, world: World, db):
    rule = rule_for(route)
    assert rule is not None, (
        f"{route.key} ({route.pattern}) has no rule in the role matrix: decide who may use it "
        "(tests/security/test_role_matrix.py ROUTE_RULES, and docs/security.md)"
    )
    sides = (
        ("in", "out")
        if rule.objects and any(kind in world.objects["in"] or kind == "import_job" for kind in rule.objects.values())
        else ("in",)
    )
    methods = ["get", "post"] if rule.write_method == "post" else ["get", "post", "patch"]
    if route.is_api:
        methods.append("delete")
    problems = []
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        for side in sides:
            url = url_for(route, rule, world, role, side)
            for method in methods:
                if route.is_admin and role == "administrator" and method != "get":
                    continue  # the administrator's admin writes are the admin's business, not the matrix's
                problems += judge(route, rule, role, side, method, ask(client, route, method, url), world)
    assert not problems, "\n".join(problems)


def test_every_route_has_a_rule():
    """The gate itself: an unreviewed route is named here, all at once."""
    missing = [route.key for route in ROUTES if rule_for(route) is None]
    assert not missing, f"routes without a rule in the role matrix: {missing}"
    stale = set(ROUTE_RULES) - {route.key for route in ROUTES}
    assert not stale, f"rules for routes that no longer exist: {sorted(stale)}"


# --- the field-level half: what the aggregate-only roles receive -------------------------------------

# The day of the case "small counts" (../shared/cases/outputs/README.md): Takouti reached 1 household.
# Each endpoint with its own names (an unknown parameter is a 400, issue 18): progress and dashboards take a
# period of calendar days (`start`, `end`, both included), the 3W export a half-open range of instants.
FIGURE_QUERIES = ("", "?start=2024-07-17&end=2024-07-17")
EXPORT_QUERIES = ("", "?received_after=2024-07-17&received_before=2024-07-18")
# JSON keys that count households (projects.progress, the 3W export).
HOUSEHOLD_KEYS = {"households", "cumulative_households", "reached_hh"}
# Household counts on the dashboard: the headline, the place tables' last two columns, the small tables.
HTML_COUNTS = (
    re.compile(r"(?:Households|Individuals) reached<strong>([^<]*)</strong>"),
    re.compile(r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td></tr>'),
    re.compile(r'<td class="num">([^<]*)</td></tr>'),
)


def small_counts(body: str, content_type: str) -> list[str]:
    """Household counts from 1 to SMALL_COUNT_THRESHOLD - 1 in a JSON answer or on a dashboard page."""
    from django.conf import settings

    small = []
    if content_type.startswith("application/json"):

        def walk(value, key=None):
            if isinstance(value, dict):
                for name, item in value.items():
                    walk(item, name)
            elif isinstance(value, list):
                for item in value:
                    walk(item, key)
            elif key in HOUSEHOLD_KEYS and isinstance(value, int) and 0 < value < settings.SMALL_COUNT_THRESHOLD:
                small.append(f"{key}={value}")

        walk(json.loads(body or "null"))
    elif content_type.startswith("text/csv"):  # the 3W export: its "Households reached" column
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        if rows and "Households reached" in rows[0]:
            column = rows[0].index("Households reached")
            cells = [row[column] for row in rows[1:] if len(row) > column]
            small += [cell for cell in cells if cell.isdigit() and 0 < int(cell) < settings.SMALL_COUNT_THRESHOLD]
    elif content_type.startswith("text/html"):
        for pattern in HTML_COUNTS:
            for match in pattern.finditer(body):
                cells = match.groups()
                small += [
                    cell for cell in cells if cell.strip().isdigit() and 0 < int(cell) < settings.SMALL_COUNT_THRESHOLD
                ]
    return small


READ_ROUTES = [route for route in ROUTES if not route.is_admin and route.key != "api/^[\\s\\S]*$"]


@pytest.mark.parametrize("route", READ_ROUTES, ids=[route.key for route in READ_ROUTES])
def test_route_gives_aggregate_roles_no_personal_field_and_no_small_count(route: Route, world: World, db):
    """Donor viewers and partners without the grant: no name, phone, code, staff name or free text, and no
    household count below the threshold, on every route, with and without the case's one-day filter."""
    rule = rule_for(route)
    problems = []
    for role in AGGREGATE_ONLY:
        client = Client()
        client.force_login(world.users[role])
        url = url_for(route, rule, world, role, "in")
        for query in EXPORT_QUERIES if "/exports/" in url else FIGURE_QUERIES:
            response = client.get(url + query)
            body = body_of(response)
            where = f"GET {url + query} as {role} -> {response.status_code}"
            if (found := world.personal_strings.search(body)) or (found := world.staff_strings.search(body)):
                problems.append(f"{where}: personal field in the body ({found.group(0)!r})")
            if counts := small_counts(body, response.get("Content-Type", "")):
                problems.append(f"{where}: small counts {counts}")
    assert not problems, "\n".join(problems)
