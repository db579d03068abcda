"""Who may see what: the single place where scoping is decided.

Every page, API endpoint, export and report download builds its querysets on these
functions. Field officers see their assigned sites; programme managers, donor viewers and
partner systems see their assigned projects; administrators see everything. Donor viewers
never see personal data; partner systems only under a personal-data grant.
"""

from functools import lru_cache

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import Role, User

# `accounts` is the lowest app: every other app's models name their users, so it imports none of them.
# Its scope rules reach the domain models the way foreign keys do, by app label, resolved when called
# (docs/architecture.md, "Apps and their layers").
_MODELS = {
    "ActivityIndicator": "projects.ActivityIndicator",
    "IndicatorResult": "projects.IndicatorResult",
    "DuplicateReview": "beneficiaries.DuplicateReview",
    "Household": "beneficiaries.Household",
    "ImportJob": "beneficiaries.ImportJob",
    "Distribution": "distributions.Distribution",
    "DistributionList": "distributions.DistributionList",
    "Receipt": "distributions.Receipt",
    "Project": "projects.Project",
    "Site": "sites.Site",
    "StockBalance": "stock.StockBalance",
    "StockMovement": "stock.StockMovement",
    "Warehouse": "stock.Warehouse",
}


def _model(name: str):
    return apps.get_model(_MODELS[name])


PROJECT_ROLES = (Role.PROGRAMME_MANAGER, Role.DONOR_VIEWER, Role.PARTNER_SYSTEM)


def _is_anonymous(user) -> bool:
    return user is None or not user.is_authenticated or not user.is_active


def can_see_personal_data(user: User) -> bool:
    """Names, phones and ID numbers: only roles whose work needs them."""
    if _is_anonymous(user):
        return False
    if user.is_administrator or user.role in (Role.FIELD_OFFICER, Role.PROGRAMME_MANAGER):
        return True
    return user.role == Role.PARTNER_SYSTEM and user.personal_data_grant


def can_see_rows(user: User) -> bool:
    """Row-level data (households, receipts, import jobs), pseudonymous or not: every role but donor
    viewers, who are promised aggregated figures only (projects/disclosure.py applies it)."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role not in (Role.DONOR_VIEWER, Role.STOREKEEPER)


def visible_projects(user: User) -> QuerySet:
    if _is_anonymous(user):
        return _model("Project").objects.none()
    if user.is_administrator:
        return _model("Project").objects.all()
    if user.role == Role.FIELD_OFFICER:
        return _model("Project").objects.filter(distributions__site__in=user.assigned_sites.all()).distinct()
    return _model("Project").objects.filter(pk__in=_assigned_project_ids(user))


def visible_progress_projects(user: User) -> QuerySet:
    """Projects whose dashboards, progress figures and reports the user may see.

    Managers, donor viewers, partner systems and administrators; field officers work on households
    and receipts at their sites, not on project figures.
    """
    if not can_see_progress(user):
        return _model("Project").objects.none()
    return visible_projects(user)


def can_see_progress(user: User) -> bool:
    """Dashboards, progress figures and donor reports: every role but field officers and storekeepers."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role not in (Role.FIELD_OFFICER, Role.STOREKEEPER)


def visible_distributions(user: User) -> QuerySet:
    if _is_anonymous(user):
        return _model("Distribution").objects.none()
    if user.is_administrator:
        return _model("Distribution").objects.all()
    if user.role == Role.FIELD_OFFICER:
        return _model("Distribution").objects.filter(site__in=user.assigned_sites.values("pk"))
    return _model("Distribution").objects.filter(project__in=_assigned_project_ids(user))


def _assigned_project_ids(user: User) -> QuerySet:
    """The user's project ids, read from the link table alone (no join to the projects)."""
    return User.assigned_projects.through.objects.filter(user_id=user.pk).values("project_id")


def _project_sites_filter(user: User) -> Q:
    """Sites where an assigned project distributes, or that lie in an area it covers.

    Two correlated EXISTS on the small link tables: a household page's SQL plans and runs in about
    0.7 ms at full scale, against 1.7-2.4 ms with the former join to distributions and four OR'ed
    subqueries nested twice (bench/api_bench.py data, EXPLAIN ANALYZE).
    """
    projects = _assigned_project_ids(user)
    distributes = _model("Distribution").objects.filter(site=OuterRef("pk"), project__in=projects)
    covered = _model("Project").admin_areas.through.objects.filter(
        Q(adminarea=OuterRef("admin_area")) | Q(adminarea=OuterRef("admin1")) | Q(adminarea=OuterRef("admin2")),
        project__in=projects,
    )
    return Q(Exists(distributes)) | Q(Exists(covered))


def visible_sites(user: User) -> QuerySet:
    if _is_anonymous(user):
        return _model("Site").objects.none()
    if user.is_administrator:
        return _model("Site").objects.all()
    if user.role == Role.FIELD_OFFICER:
        return _model("Site").objects.filter(pk__in=user.assigned_sites.values("pk"))
    return _model("Site").objects.filter(_project_sites_filter(user))


_NO_IDS = ("SELECT NULL::bigint WHERE false", ())


@lru_cache(maxsize=4096)
def _compiled_ids(scope: str, user: User, role: str, is_administrator: bool, is_active: bool) -> tuple[str, tuple]:
    """The ids of visible_ids' scope as (SQL, parameters), for one user and the attributes its SQL depends on.

    The SQL names the user's id and role only (its assignments are read when it runs), so it is compiled once
    per user: building and compiling the sites' nested EXISTS took 1.5 ms of every receipt POST.
    """
    scopes = {"sites": visible_sites, "distributions": visible_distributions}
    visible = {**scopes, "households_to_serve": visible_households_to_serve}[scope]
    try:
        return visible(user).order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # none(): an inactive user
        return _NO_IDS


def visible_ids(scope: str, user: User) -> RawSQL:
    """The ids of visible_sites(user) (scope "sites"), visible_distributions(user) ("distributions") or
    visible_households_to_serve(user) ("households_to_serve"), as a subquery for `<foreign key>__in=`: the same
    rows, compiled once per user (_compiled_ids)."""
    if _is_anonymous(user):
        return RawSQL(*_NO_IDS)  # noqa: S611 - a constant
    sql, params = _compiled_ids(scope, user, user.role, user.is_administrator, user.is_active)
    return RawSQL(sql, params)  # noqa: S611 - the ORM's own SQL, every value a parameter


def visible_households(user: User) -> QuerySet:
    """Households with their personal data: none for roles that may not see it."""
    if not can_see_personal_data(user):
        return _model("Household").objects.none()
    if user.is_administrator:
        return _model("Household").objects.all()
    return _model("Household").objects.filter(site__in=visible_ids("sites", user))


def visible_receipts(user: User) -> QuerySet:
    """Receipts in the user's scope, to count (aggregates); listing them row by row is can_see_rows's."""
    if _is_anonymous(user):
        return _model("Receipt").objects.none()
    if user.is_administrator:
        return _model("Receipt").objects.all()
    return _model("Receipt").objects.filter(distribution__in=visible_distributions(user).values("pk"))


def visible_households_to_serve(user: User) -> QuerySet:
    """Households at the user's sites, to link a receipt to: never to show their personal data."""
    if not can_record_receipts(user):
        return _model("Household").objects.none()
    if user.is_administrator:
        return _model("Household").objects.all()
    return _model("Household").objects.filter(site__in=visible_ids("sites", user))


def can_see_change_history(user: User) -> bool:
    """A household's audit trail (past values, who changed them, through what): the staff working with it.

    Applies on top of the household's own visibility; partner systems, even with a personal-data grant, do not
    see it (it names staff and past values), nor do donor viewers.
    """
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role in (Role.FIELD_OFFICER, Role.PROGRAMME_MANAGER)


def can_record_receipts(user: User) -> bool:
    """Officers, managers and partner systems (data-collection tools) record and void receipts."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role in (Role.FIELD_OFFICER, Role.PROGRAMME_MANAGER, Role.PARTNER_SYSTEM)


def visible_field_distributions(user: User) -> QuerySet:
    """Distributions whose field screens the user may open: those it may record receipts in (not donors)."""
    if not can_record_receipts(user):
        return _model("Distribution").objects.none()
    return visible_distributions(user)


def visible_field_receipts(user: User) -> QuerySet:
    """Receipts shown on field pages, next to their household's code: only where the household is visible."""
    return (
        visible_receipts(user)
        .filter(distribution__in=visible_field_distributions(user).values("pk"))
        .filter(household__in=visible_households(user).values("pk"))
    )


def can_register_households(user: User) -> bool:
    """Registering or editing a household handles personal data."""
    return can_see_personal_data(user)


def can_plan_distributions(user: User) -> bool:
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role in (Role.PROGRAMME_MANAGER, Role.PARTNER_SYSTEM)


def can_manage_sites(user: User) -> bool:
    """Create and change sites: administrators, programme managers, and partner systems (a registration
    system pushes its CCCM/DTM site list). Outside administrators, only in areas their projects cover:
    a new site must be one they can see (sites.services.create_site checks it with visible_sites)."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role in (Role.PROGRAMME_MANAGER, Role.PARTNER_SYSTEM)


def can_manage_projects(user: User) -> bool:
    """Create and change projects, their targets and target periods: administrators and programme managers
    (within the projects they are assigned; a manager's new project is assigned to it)."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role == Role.PROGRAMME_MANAGER


def can_manage_admin_areas(user: User) -> bool:
    """Create and rename administrative areas (reference data every account reads): administrators only."""
    return not _is_anonymous(user) and user.is_administrator


def can_import_households(user: User) -> bool:
    """Registration lists: programme managers, and field officers for their own sites (imports are scoped by site)."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role in (Role.PROGRAMME_MANAGER, Role.FIELD_OFFICER)


def visible_import_jobs(user: User) -> QuerySet:
    """A user's own import jobs (their files hold personal data); administrators see all."""
    if not can_import_households(user):
        return _model("ImportJob").objects.none()
    if user.is_administrator:
        return _model("ImportJob").objects.all()
    return _model("ImportJob").objects.filter(created_by=user)


def can_review_duplicates(user: User) -> bool:
    """Confirming two households distinct, or merging them, is a programme manager's decision."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role == Role.PROGRAMME_MANAGER


def visible_duplicate_reviews(user: User) -> QuerySet:
    """Probable duplicates at the manager's sites, where both households are in scope."""
    if not can_review_duplicates(user):
        return _model("DuplicateReview").objects.none()
    if user.is_administrator:
        return _model("DuplicateReview").objects.all()
    sites = visible_sites(user).values("pk")
    return _model("DuplicateReview").objects.filter(site__in=sites, candidate__site__in=sites)


# --- stock (issue 20) ------------------------------------------------------------------------------------

# Storekeepers work in their warehouses (stock.Warehouse.keepers) for their assigned projects; managers and
# partner systems (a logistics ERP) see the stock of their projects; donor viewers only the project's pipeline
# (an aggregate, on the dashboard and in donor reports); field officers only their distributions' sites.
STOCK_ROLES = (Role.PROGRAMME_MANAGER, Role.PARTNER_SYSTEM, Role.STOREKEEPER)


def can_see_stock(user: User) -> bool:
    """Warehouses, their stock on hand and movements, row by row."""
    return not _is_anonymous(user) and (user.is_administrator or user.role in STOCK_ROLES)


def can_record_movements(user: User) -> bool:
    """Any kind of movement at a warehouse: storekeepers (in their warehouses) and partner systems (an ERP
    pushing dispatches); field officers record site receipts and returns through visible_reconciliations."""
    return not _is_anonymous(user) and (user.is_administrator or user.role in (Role.STOREKEEPER, Role.PARTNER_SYSTEM))


def visible_warehouses(user: User) -> QuerySet:
    """Storekeepers: the warehouses they keep. Managers and partner systems: warehouses holding stock of their
    projects, or in an area one of their projects covers (a new warehouse, before its first receipt)."""
    if not can_see_stock(user):
        return _model("Warehouse").objects.none()
    if user.is_administrator:
        return _model("Warehouse").objects.all()
    if user.role == Role.STOREKEEPER:
        return _model("Warehouse").objects.filter(keepers=user)
    projects = _assigned_project_ids(user)
    holds = _model("StockBalance").objects.filter(warehouse=OuterRef("pk"), project__in=projects)
    covered = _model("Project").admin_areas.through.objects.filter(
        Q(adminarea=OuterRef("admin_area")) | Q(adminarea=OuterRef("admin_area__parent")), project__in=projects
    )
    return _model("Warehouse").objects.filter(Q(Exists(holds)) | Q(Exists(covered)))


def visible_stock_projects(user: User) -> QuerySet:
    """Projects whose stock the user sees and moves: every project for administrators, else the assigned ones."""
    if not can_see_stock(user):
        return _model("Project").objects.none()
    if user.is_administrator:
        return _model("Project").objects.all()
    return _model("Project").objects.filter(pk__in=_assigned_project_ids(user))


def _stock_rows(user: User, name: str) -> QuerySet:
    """Rows of `name` (with a warehouse and a project) in the user's warehouses and projects."""
    if not can_see_stock(user):
        return _model(name).objects.none()
    if user.is_administrator:
        return _model(name).objects.all()
    return _model(name).objects.filter(
        warehouse__in=visible_warehouses(user).values("pk"), project__in=_assigned_project_ids(user)
    )


def visible_stock_movements(user: User) -> QuerySet:
    """Movements in the user's warehouses for the user's projects (rows: who, why, waybills)."""
    return _stock_rows(user, "StockMovement")


def visible_stock_balances(user: User) -> QuerySet:
    """Stock on hand rows (warehouse × project × kit type) in the user's warehouses and projects."""
    return _stock_rows(user, "StockBalance")


def visible_dispatch_distributions(user: User) -> QuerySet:
    """Distributions kits may be dispatched to by the user: those of its stock projects."""
    if not can_record_movements(user):
        return _model("Distribution").objects.none()
    return _model("Distribution").objects.filter(project__in=visible_stock_projects(user).values("pk"))


def visible_reconciliations(user: User) -> QuerySet:
    """Distributions whose kits on site and reconciliation the user sees and records (site receipts, returns,
    write-offs at the site, variance explanations): field officers at their sites, managers in their projects."""
    if _is_anonymous(user) or not (user.is_administrator or user.role in (Role.FIELD_OFFICER, Role.PROGRAMME_MANAGER)):
        return _model("Distribution").objects.none()
    return visible_distributions(user)


# --- activity indicators and their results (issue 21) ----------------------------------------------------


def visible_activity_indicators(user: User) -> QuerySet:
    """Activity indicators of the projects the user may see (officers: to report against them)."""
    return _model("ActivityIndicator").objects.filter(project__in=visible_projects(user).values("pk"))


def can_report_results(user: User) -> bool:
    """Report an activity result (with its note and evidence): field officers at their sites, managers and
    administrators. Partner systems and donor viewers do not (evidence may show people)."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role in (Role.FIELD_OFFICER, Role.PROGRAMME_MANAGER)


def can_report_area_results(user: User) -> bool:
    """Report a result for a whole admin area rather than a site (a handover to a regional directorate): not
    field officers, whose scope is their sites."""
    return can_review_results(user)


def can_review_results(user: User) -> bool:
    """Approve or return a reported result: programme managers and administrators (not on their own entry:
    projects.indicators.services.review_result)."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role == Role.PROGRAMME_MANAGER


def can_manage_lists(user: User) -> bool:
    """Targeting criteria, approving a distribution list and changing it afterwards (issue 19): administrators
    and programme managers, on the distributions they see; partner systems through the API only
    (can_supply_lists)."""
    if _is_anonymous(user):
        return False
    return user.is_administrator or user.role == Role.PROGRAMME_MANAGER


def visible_indicator_results(user: User) -> QuerySet:
    """Result entries with their notes, staff and evidence: officers those at their sites, managers those of
    their projects, administrators all; nobody else (aggregated figures go through projects/disclosure.py)."""
    if not can_report_results(user):
        return _model("IndicatorResult").objects.none()
    results = _model("IndicatorResult").objects.all()
    if user.is_administrator:
        return results
    if user.role == Role.FIELD_OFFICER:
        return results.filter(site__in=user.assigned_sites.values("pk"))
    return results.filter(indicator__project__in=_assigned_project_ids(user))


def can_supply_lists(user: User) -> bool:
    """Reading lists and supplying one through the partner API: the planners' roles (can_plan_distributions)."""
    return can_plan_distributions(user)


def visible_lists(user: User) -> QuerySet:
    """Distribution lists of the distributions the user may plan (managers, administrators, partner systems)."""
    if not can_plan_distributions(user):
        return _model("DistributionList").objects.none()
    return _model("DistributionList").objects.filter(distribution__in=visible_distributions(user).values("pk"))


def can_override_list(user: User, dlist) -> bool:
    """Serve a household that is not on an approved list, with a reason: a supervisor-level decision.

    Administrators, programme managers of the distribution's project, and the field officers named as this
    list's supervisors (a per-distribution flag set when planning, DistributionList.supervisors: no new role,
    so that a team leader is a supervisor where the manager says, and an officer elsewhere).
    """
    if _is_anonymous(user) or dlist is None:
        return False
    if user.is_administrator:
        return True
    if user.role == Role.PROGRAMME_MANAGER:
        return visible_distributions(user).filter(pk=dlist.distribution_id).exists()
    return user.role == Role.FIELD_OFFICER and dlist.supervisors.filter(pk=user.pk).exists()
