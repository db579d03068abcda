"""Small builders for test data. Each returns saved objects with sensible defaults."""

import datetime
import itertools

from accounts.models import Organisation, Role, User
from beneficiaries.models import Household
from beneficiaries.services import register_household
from distributions.models import Distribution, DistributionItem
from kits.models import KitCategory, KitType
from projects.models import Project, Target
from sites.models import AdminArea, Site

_sequence = itertools.count(1)


def area(pcode: str = "ML0506", name: str = "Mopti") -> AdminArea:
    country, _ = AdminArea.objects.get_or_create(
        pcode="MLI", defaults={"name": "Mali", "level": 0, "country_code": "MLI"}
    )
    region, _ = AdminArea.objects.get_or_create(
        pcode=pcode[:4], defaults={"name": name, "level": 1, "parent": country, "country_code": "MLI"}
    )
    if len(pcode) == 4:
        return region
    admin2, _ = AdminArea.objects.get_or_create(
        pcode=pcode, defaults={"name": name, "level": 2, "parent": region, "country_code": "MLI"}
    )
    return admin2


def organisation(name: str = "IOM") -> Organisation:
    return Organisation.objects.get_or_create(name=name, defaults={"acronym": name[:30]})[0]


def user(role: str = Role.FIELD_OFFICER, *, sites=(), projects=(), **fields) -> User:
    username = fields.pop("username", f"user{next(_sequence)}")
    created = User.objects.create_user(
        username=username, password="a-long-test-password", role=role, organisation=organisation(), **fields
    )
    created.assigned_sites.set(sites)
    created.assigned_projects.set(projects)
    return created


def site(code: str | None = None, admin_area: AdminArea | None = None, **fields) -> Site:
    code = code or f"SITE-{next(_sequence)}"
    return Site.objects.create(
        code=code,
        name=fields.pop("name", code.title()),
        site_type=fields.pop("site_type", Site.SiteType.INFORMAL_SITE),
        admin_area=admin_area or area(),
        **fields,
    )


def kit_type(code: str | None = None, category: str = KitCategory.EMERGENCY_SHELTER) -> KitType:
    code = code or f"KIT-{next(_sequence)}"
    return KitType.objects.create(code=code, name=code.title(), category=category)


def project(code: str | None = None, **fields) -> Project:
    created = Project.objects.create(
        code=code or f"PRJ-{next(_sequence)}",
        title=fields.pop("title", "Test project"),
        donor=organisation("Donor"),
        lead_organisation=organisation("IOM"),
        start_date=fields.pop("start_date", datetime.date(2024, 7, 1)),
        end_date=fields.pop("end_date", datetime.date(2025, 6, 30)),
        **fields,
    )
    created.admin_areas.set([area("ML05")])
    return created


def target(project: Project, indicator: str = Target.Indicator.KITS_DISTRIBUTED, value: int = 100, **fields) -> Target:
    return Target.objects.create(project=project, indicator=indicator, target_value=value, **fields)


def distribution(
    project: Project | None = None,
    site: Site | None = None,
    kits=(),
    *,
    status: str = Distribution.Status.ONGOING,
    **fields,
) -> Distribution:
    created = Distribution.objects.create(
        project=project or globals()["project"](),
        site=site or globals()["site"](),
        name=fields.pop("name", f"Distribution {next(_sequence)}"),
        planned_start=fields.pop("planned_start", datetime.date(2024, 7, 1)),
        planned_end=fields.pop("planned_end", datetime.date(2024, 7, 17)),
        status=status,
        **fields,
    )
    for kit in kits:
        DistributionItem.objects.create(distribution=created, kit_type=kit, planned_quantity=100)
    return created


def household(site: Site, *, registered_by: User | None = None, **fields) -> Household:
    defaults = {
        "head_name": "Aïssata Traoré",
        "head_sex": "F",
        "head_birth_year": 1985,
        "displacement_status": "idp",
        "females_18_59": 1,
        "females_6_17": 2,
        "males_0_5": 1,
        "woman_headed": True,
        "consent_given": True,
        "phone": "+223 70 12 34 56",
    }
    defaults.update(fields)
    # Test households share one name and phone by default: registered as confirmed distinct, so that the
    # duplicate check (tests/imports/test_duplicates.py) does not hold them. Pass False to exercise it.
    confirmed_distinct = defaults.pop("confirmed_distinct", True)
    return register_household(registered_by=registered_by, site=site, confirmed_distinct=confirmed_distinct, **defaults)


def served(operation: dict, **fields):
    """A new household of the `mopti` fixture's site that received its shelter kit: the stored Receipt.

    `operation` is the fixture's dict (site, officer, distribution, shelter); `fields` go to record_receipt.
    """
    from distributions.services import record_receipt

    new_household = household(operation["site"], registered_by=operation["officer"])
    return record_receipt(
        recorded_by=operation["officer"],
        distribution=operation["distribution"],
        household=new_household,
        kit_type=operation["shelter"],
        verification_method="registration_code",
        **fields,
    ).receipt
