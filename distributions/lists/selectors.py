"""Reads on distribution lists: the live count of a selection, a household's place on the list, what is left to
serve, absentees, an officer's tally, the offline list. Scoping comes from accounts/selectors.py."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import (
    can_override_list,
    can_see_personal_data,
    visible_distributions,
    visible_households,
    visible_lists,
)
from beneficiaries.models import VULNERABILITY_FIELDS, Household
from distributions.lists import criteria as rules_sql
from distributions.lists.models import DistributionList, ListChange, ListedHousehold, ListedKit
from distributions.models import Distribution, DistributionItem, Receipt
from sites.models import Site


def count_selected(distribution: Distribution, items: list[DistributionItem], criteria: dict, rules: dict) -> dict:
    """The live count of what criteria select, before anything is saved: one GROUP BY query on households.

    {"households": int, "kits": {kit type id: int}, "by_site": [{"site": Site, "households": int,
    "kits": {kit type id: int}}]} (sites by name). `items` may be unsaved DistributionItems (the plan page's).
    """
    sums = {
        f"kit_{item.kit_type_id}": Sum(rules_sql.entitlement_expression(item, rules.get(str(item.kit_type_id))))
        for item in items
    }
    rows = list(
        Household.objects.filter(rules_sql.households_q(criteria, distribution))
        .values("site_id")
        .annotate(households=Count("pk"), **sums)
        .order_by()
    )
    sites = Site.objects.in_bulk([row["site_id"] for row in rows])
    by_site = [
        {
            "site": sites[row["site_id"]],
            "households": row["households"],
            "kits": {item.kit_type_id: row[f"kit_{item.kit_type_id}"] or 0 for item in items},
        }
        for row in rows
    ]
    by_site.sort(key=lambda row: row["site"].name)
    return {
        "households": sum(row["households"] for row in by_site),
        "kits": {item.kit_type_id: sum(row["kits"][item.kit_type_id] for row in by_site) for item in items},
        "by_site": by_site,
    }


def selection_counts(dlist: DistributionList) -> dict:
    """count_selected for a list: the criteria's live count while a draft, the frozen list once approved (or
    the households supplied to a draft)."""
    items = list(dlist.distribution.items.select_related("kit_type"))
    if not dlist.is_approved and not dlist.households.exists():
        return count_selected(dlist.distribution, items, dlist.criteria, dlist.rules)
    listed = ListedHousehold.objects.filter(dlist=dlist, removed_at=None)
    households = dict(listed.values("site_id").annotate(n=Count("pk")).values_list("site_id", "n").order_by())
    kits: dict[int, dict[int, int]] = {}
    rows = (
        ListedKit.objects.filter(listed__in=listed)
        .values("listed__site_id", "kit_type_id")
        .annotate(n=Sum("quantity"))
        .values_list("listed__site_id", "kit_type_id", "n")
        .order_by()
    )
    for site_id, kit_type_id, total in rows:
        kits.setdefault(site_id, {})[kit_type_id] = total
    sites = Site.objects.in_bulk(households)
    by_site = sorted(
        (
            {
                "site": sites[site_id],
                "households": count,
                "kits": {item.kit_type_id: kits.get(site_id, {}).get(item.kit_type_id, 0) for item in items},
            }
            for site_id, count in households.items()
        ),
        key=lambda row: row["site"].name,
    )
    return {
        "households": sum(households.values()),
        "kits": {item.kit_type_id: sum(row["kits"][item.kit_type_id] for row in by_site) for item in items},
        "by_site": by_site,
    }


def visible_managed_list(user: User, distribution_pk: int) -> tuple[Distribution, DistributionList | None]:
    """A distribution the user may plan, and its list (None before one is saved). Distribution.DoesNotExist."""
    distribution = visible_distributions(user).select_related("project", "site").get(pk=distribution_pk)
    return distribution, DistributionList.objects.filter(distribution=distribution).first()


def api_lists(user: User) -> QuerySet[DistributionList]:
    """Lists through the partner API (accounts.selectors.visible_lists), with what their rows show."""
    return visible_lists(user).select_related("distribution", "approved_by").order_by("pk")


def approved_list(distribution: Distribution) -> DistributionList | None:
    return DistributionList.objects.filter(distribution=distribution, status=DistributionList.Status.APPROVED).first()


def list_status(user: User, distribution: Distribution, household: Household) -> dict | None:
    """A household at a distribution with an approved list: {"on_list": bool, "overridden": bool,
    "override": ListChange | None, "can_override": bool, "dlist": DistributionList}; None without a list."""
    dlist = approved_list(distribution)
    if dlist is None:
        return None
    on_list = ListedHousehold.objects.filter(dlist=dlist, household=household, removed_at=None).exists()
    override = ListChange.objects.filter(dlist=dlist, household=household, kind=ListChange.Kind.OVERRIDE).first()
    return {
        "dlist": dlist,
        "on_list": on_list,
        "overridden": override is not None,
        "override": override,
        "can_override": not on_list and override is None and can_override_list(user, dlist),
    }


def _served(dlist: DistributionList, outer: str = "household_id") -> Exists:
    return Exists(
        Receipt.objects.filter(distribution_id=dlist.distribution_id, household_id=OuterRef(outer), voided_at=None)
    )


PENDING_PAGE = 100


def pending(dlist: DistributionList, *, site: Site | None = None, after: str = "", limit: int = PENDING_PAGE) -> dict:
    """Households on the list not served yet (keyset on registration code): {"count": int, "by_site": {site id:
    int}, "rows": [{"household": Household, "site_id", "kits": {kit type id: quantity}}], "next": code or ""}."""
    listed = ListedHousehold.objects.filter(dlist=dlist, removed_at=None).exclude(_served(dlist))
    by_site = dict(listed.values("site_id").annotate(n=Count("pk")).values_list("site_id", "n").order_by())
    if site is not None:
        listed = listed.filter(site=site)
    page = list(
        listed.filter(household__registration_code__gt=after)
        .select_related("household")
        .order_by("household__registration_code")[: limit + 1]
    )
    kits: dict[int, dict[int, int]] = {}
    for listed_id, kit_type_id, quantity in ListedKit.objects.filter(
        listed__in=[row.pk for row in page[:limit]]
    ).values_list("listed_id", "kit_type_id", "quantity"):
        kits.setdefault(listed_id, {})[kit_type_id] = quantity
    rows = [{"household": row.household, "site_id": row.site_id, "kits": kits.get(row.pk, {})} for row in page[:limit]]
    return {
        "count": sum(by_site.values()) if site is None else by_site.get(site.pk, 0),
        "by_site": by_site,
        "rows": rows,
        "next": page[limit - 1].household.registration_code if len(page) > limit else "",
    }


def absentees(dlist: DistributionList) -> dict:
    """On the list and not served: {"listed", "served", "absent", "overrides": int, "absent_by_vulnerability":
    {flag: int}} (one query for the list, one for the overrides). Served: an active receipt in the distribution."""
    listed = ListedHousehold.objects.filter(dlist=dlist, removed_at=None)
    served = Q(_served(dlist))
    absent = ~served
    figures = listed.aggregate(
        listed=Count("pk"),
        served=Count("pk", filter=served),
        **{flag: Count("pk", filter=absent & Q(**{flag: True})) for flag in VULNERABILITY_FIELDS},
    )
    return {
        "listed": figures["listed"],
        "served": figures["served"],
        "absent": figures["listed"] - figures["served"],
        "absent_by_vulnerability": {flag: figures[flag] for flag in VULNERABILITY_FIELDS},
        "overrides": ListChange.objects.filter(dlist=dlist, kind=ListChange.Kind.OVERRIDE).count(),
    }


def _local_day_range(day: datetime.date, zone) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return start, start + datetime.timedelta(days=1)


def tally(dlist: DistributionList, officer: User, day: datetime.date) -> dict:
    """An officer's day at a distribution (the site's local day): {"day": ISO date, "households": int served,
    "kits": {kit type id: int}, "overrides": int, "voids": int}. Three queries."""
    start, end = _local_day_range(day, dlist.distribution.site.zone)
    receipts = Receipt.objects.filter(
        distribution_id=dlist.distribution_id, recorded_by=officer, received_at__gte=start, received_at__lt=end
    )
    active = receipts.filter(voided_at=None)
    kits = dict(active.values("kit_type_id").annotate(n=Sum("quantity")).values_list("kit_type_id", "n").order_by())
    return {
        "day": day.isoformat(),
        "households": active.values("household_id").distinct().count(),
        "kits": kits,
        "overrides": ListChange.objects.filter(
            dlist=dlist, kind=ListChange.Kind.OVERRIDE, made_by=officer, made_at__gte=start, made_at__lt=end
        ).count(),
        "voids": Receipt.objects.filter(
            distribution_id=dlist.distribution_id, voided_by=officer, voided_at__gte=start, voided_at__lt=end
        ).count(),
    }


def sheet_rows(dlist: DistributionList, site: Site) -> list[dict]:
    """The sign sheet of one site: [{"code", "name", "size", "kits": {kit type id: quantity}}] by code; two
    queries. Names are the caller's to withhold (accounts.selectors.can_see_personal_data)."""
    listed = list(
        ListedHousehold.objects.filter(dlist=dlist, site=site, removed_at=None)
        .select_related("household")
        .order_by("household__registration_code")
    )
    kits: dict[int, dict[int, int]] = {}
    for listed_id, kit_type_id, quantity in ListedKit.objects.filter(
        listed__dlist=dlist, listed__site=site
    ).values_list("listed_id", "kit_type_id", "quantity"):
        kits.setdefault(listed_id, {})[kit_type_id] = quantity
    return [
        {
            "code": row.household.display_code,
            "name": row.household.head_name,
            "size": row.household_size,
            "kits": kits.get(row.pk, {}),
        }
        for row in listed
    ]


def offline_list(user: User, dlist: DistributionList, since: int | None = None) -> dict:
    """What a phone keeps of an approved list, compact: {"list": id, "cursor": int, "kits": [kit type codes],
    "households": [[household id, registration code, head's name or "", size, [quantity per kit, 0 if none]]],
    "removed": [household ids], "overrides": [household ids], "can_override": bool, "full": bool}.

    Without `since`, the whole list; with the cursor of an earlier answer, only the households added, removed or
    overridden since (ListChange ids only grow; a list without changes answers cursor 0). Seven queries. Receipts are
    not here: the distribution's own offline list carries what was received.
    """
    items = list(dlist.distribution.items.select_related("kit_type").order_by("kit_type__code"))
    changes = ListChange.objects.filter(dlist=dlist)
    cursor = changes.order_by("-pk").values_list("pk", flat=True).first() or 0
    full = since is None
    listed = ListedHousehold.objects.filter(dlist=dlist, removed_at=None)
    if not full:
        changed = changes.filter(pk__gt=since)
        listed = listed.filter(household_id__in=changed.filter(kind=ListChange.Kind.ADDED).values("household_id"))
    names = can_see_personal_data(user)
    rows = list(
        listed.values_list(
            "pk", "household_id", "household__registration_code", "household__head_name", "household_size"
        ).order_by("household_id")
    )
    kits: dict[int, dict[int, int]] = {}
    # The whole list's kits by a join (a list of 5,000 ids in an IN was most of the time); a delta's by id.
    wanted = ListedKit.objects.filter(listed__in=listed) if not full else ListedKit.objects.filter(listed__dlist=dlist)
    for listed_id, kit_type_id, quantity in wanted.values_list("listed_id", "kit_type_id", "quantity").order_by():
        kits.setdefault(listed_id, {})[kit_type_id] = quantity
    recent = changes if full else changes.filter(pk__gt=since)
    return {
        "list": dlist.pk,
        "cursor": cursor,
        "full": full,
        "kits": [item.kit_type.code for item in items],
        "households": [
            [
                household_id,
                code,
                name if names else "",
                size,
                [kits.get(pk, {}).get(item.kit_type_id, 0) for item in items],
            ]
            for pk, household_id, code, name, size in rows
        ],
        "removed": list(recent.filter(kind=ListChange.Kind.REMOVED).values_list("household_id", flat=True)),
        "overrides": list(
            changes.filter(kind=ListChange.Kind.OVERRIDE).values_list("household_id", flat=True)
            if full
            else recent.filter(kind=ListChange.Kind.OVERRIDE).values_list("household_id", flat=True)
        ),
        "can_override": can_override_list(user, dlist),
        "today": timezone.localdate(timezone.now(), dlist.distribution.site.zone).isoformat(),
    }


def project_attendance(project_id: int) -> list[dict]:
    """Served and absent on each approved list of a project, for its donor report (figures only, no names):
    [{"distribution_id", "name", "name_fr", "name_ar", "listed", "served", "absent", "overrides",
    "absent_by_vulnerability": {flag: int}}] by distribution start. Two queries per list (a project has few)."""
    lists = DistributionList.objects.filter(
        distribution__project_id=project_id, status=DistributionList.Status.APPROVED
    ).select_related("distribution")
    return [
        {
            "distribution_id": dlist.distribution_id,
            "name": dlist.distribution.name,
            "name_fr": dlist.distribution.name_fr,
            "name_ar": dlist.distribution.name_ar,
            **absentees(dlist),
        }
        for dlist in lists.order_by("distribution__planned_start", "distribution_id")
    ]


def supervisor_candidates(sites) -> QuerySet[User]:
    """Field officers assigned to any of `sites` (a queryset of sites the planner sees): who a plan may name as
    its supervisors (accounts.selectors.can_override_list)."""
    return (
        User.objects.filter(role=Role.FIELD_OFFICER, is_active=True, assigned_sites__in=sites)
        .distinct()
        .order_by("username")
    )


def visible_household_by_code(user: User, code: str) -> Household | None:
    """A household with its personal data (accounts.selectors.visible_households) by registration code."""
    return visible_households(user).filter(registration_code=code).first()
