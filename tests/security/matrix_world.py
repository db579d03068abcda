"""The role matrix's world: the demo, scoped accounts and one object of each kind in each role's scope and
one out of it (tests/security/test_role_matrix.py builds it once per module)."""

import html
import json
import re
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from beneficiaries.imports import jobs
from beneficiaries.models import DuplicateReview, Household, ImportJob, ImportRow
from demo.loader import load_demo
from distributions.models import Distribution, DistributionList, ListedHousehold, ListedKit, Receipt
from distributions.services import void_receipt
from projects.models import ActivityIndicator, IndicatorResult, ProgressReport, Project
from sites.models import AdminArea
from stock.models import Warehouse
from tests import factories

VOID_REASON = "Wrong household: it was Awa Maïga's sister"
ROLES = ("anonymous", "administrator", "manager", "officer", "donor", "partner", "partner_grant", "storekeeper")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
ADMIN = frozenset({"administrator"})
# Dashboards, progress figures and finished reports: not field officers (issue 6's table).
PROGRESS = frozenset({"administrator", "manager", "donor", "partner", "partner_grant"})
# Record and void receipts (pages and API): everyone but donor viewers.
FIELD = frozenset({"administrator", "manager", "officer", "partner", "partner_grant"})
# Warehouses, stock on hand and movements (issue 20): not field officers nor donor viewers (the pipeline only).
STOCK = frozenset({"administrator", "manager", "partner", "partner_grant", "storekeeper"})
# Record movements at a warehouse: storekeepers and partner systems (an ERP); managers see the stock.
STOCK_WRITERS = frozenset({"administrator", "partner", "partner_grant", "storekeeper"})
# A distribution's kits on site and reconciliation: field officers at their sites, managers in their projects.
RECONCILERS = frozenset({"administrator", "manager", "officer"})
# Names, phones and ID numbers; registering and editing households.
PERSONAL = frozenset({"administrator", "manager", "officer", "partner_grant"})
IMPORTERS = frozenset({"administrator", "manager", "officer"})
MANAGERS = frozenset({"administrator", "manager"})
# Activity results with their notes, staff and evidence (issue 21): those who report them and managers.
RESULTS = frozenset({"administrator", "manager", "officer"})
PLANNERS = frozenset({"administrator", "manager", "partner", "partner_grant"})
NOBODY = frozenset()
# Roles that must never receive any household's personal data or registration code.
NO_PERSONAL_DATA = frozenset({"anonymous", "donor", "partner", "storekeeper"})
# Row-level data (households, receipts), pseudonymous or not: everyone but donor viewers (aggregates only)
# and storekeepers (kits, not households).
ROWS = SIGNED_IN - {"donor", "storekeeper"}
# Roles that get aggregated figures with small counts withheld, and no staff names or free text.
AGGREGATE_ONLY = ("donor", "partner")


@dataclass(frozen=True)
class Route:
    key: str  # namespaced URL name, or the pattern for an unnamed route
    pattern: str
    keywords: tuple[str, ...]
    positional: int = 0  # unnamed groups (django-simple-history's admin pages)

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


class World:
    """The demo, with every role scoped to the Mali project (in scope) and the Iraq one out of scope."""

    def __init__(self, media_root):
        load_demo()
        mali = Project.objects.get(code="MLI-JPN-2024-SNFI")
        iraq = Project.objects.get(code="IRQ-ECHO-2026-WINTER")
        self.users = {
            "administrator": User.objects.get(username="admin"),
            "manager": factories.user(Role.PROGRAMME_MANAGER, projects=[mali], username="matrix.manager"),
            "officer": User.objects.get(username="officer"),
            "donor": User.objects.get(username="donor"),
            "partner": factories.user(Role.PARTNER_SYSTEM, projects=[mali], username="matrix.partner"),
            "partner_grant": factories.user(
                Role.PARTNER_SYSTEM, projects=[mali], username="matrix.partner.grant", personal_data_grant=True
            ),
            "storekeeper": User.objects.get(username="storekeeper"),  # keeps the Mopti warehouse (demo/stock.py)
        }
        iraq_officer = User.objects.get(username="officer.iraq")
        self.objects = {"in": self._side(mali, media_root), "out": self._side(iraq, media_root)}
        self.import_jobs = {username: self._import_job(user) for username, user in self.users.items()}
        self.objects["out"]["import_job"] = self._import_job(iraq_officer).pk
        self.personal_strings = self._personal_strings(Household.objects.all())
        self.staff_strings = self._staff_strings(mali)
        self.foreign_strings = self._personal_strings(Household.objects.filter(site__distributions__project=iraq))

    def _side(self, project: Project, media_root) -> dict:
        distribution = Distribution.objects.filter(project=project, receipts__isnull=False).distinct().first()
        receipt = Receipt.objects.filter(distribution=distribution).order_by("pk").first()
        household = receipt.household
        other = Household.objects.filter(site=household.site).exclude(pk=household.pk).first()
        review = DuplicateReview.objects.create(
            kind=DuplicateReview.Kind.FLAGGED,
            household=household,
            candidate=other,
            site=household.site,
            likelihood=0.85,
        )
        self._approved_list(distribution, household)
        report = ProgressReport.objects.create(
            project=project,
            period_start=project.start_date,
            period_end=project.start_date,
            status=ProgressReport.Status.DONE,
            # CSV: a format every role that sees the project may download (the JSON, exact figures, is not).
            outputs={"csv": default_storage.save(f"reports/matrix-{project.pk}.csv", ContentFile(b"{}"))},
        )
        # A warehouse of each side: Mopti's (the demo's) and one in Duhok no account of Mali may see.
        warehouse = Warehouse.objects.filter(movements__project=project).first() or Warehouse.objects.create(
            code=f"WH-{project.code}", name="Warehouse, Duhok", admin_area=AdminArea.objects.get(pcode="IQG09")
        )
        return {
            "project": project.pk,
            "warehouse": warehouse.pk,
            "distribution": distribution.pk,
            "receipt": receipt.pk,
            "household": household.pk,
            "site": household.site_id,
            "review": review.pk,
            "report": report.pk,
            "target": (project.targets.first() or factories.target(project)).pk,
            **self._indicator_result(project, household.site),
        }

    @staticmethod
    def _indicator_result(project: Project, site) -> dict:
        """An activity indicator of the project and a submitted result at the site, with its evidence (issue 21)."""
        indicator = ActivityIndicator.objects.create(
            project=project, code="matrix", name="Latrines built", unit=ActivityIndicator.Unit.LATRINES
        )
        reporter = User.objects.filter(role=Role.FIELD_OFFICER, assigned_sites=site).first()
        result = IndicatorResult(
            indicator=indicator,
            date=project.start_date,
            site=site,
            admin1_id=site.admin1_id,
            admin2_id=site.admin2_id,
            quantity=3,
            submitted_by=reporter,
            submitted_at=timezone.now(),
        )
        result.evidence.save("photo.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
        result.save()
        return {"indicator": indicator.pk, "indicator_result": result.pk}

    @staticmethod
    def _approved_list(distribution: Distribution, household: Household) -> None:
        """An approved list holding the side's household (issue 19's pages and endpoints have something to show)."""
        dlist = DistributionList.objects.create(
            distribution=distribution,
            criteria={"sites": [household.site_id]},
            status=DistributionList.Status.APPROVED,
            approved_by=User.objects.get(username="admin"),
            approved_at=timezone.now(),
        )
        listed = ListedHousehold.objects.create(
            dlist=dlist,
            household=household,
            site=household.site,
            household_size=household.household_size,
            displacement_status=household.displacement_status,
        )
        item = distribution.items.first()
        ListedKit.objects.create(listed=listed, kit_type=item.kit_type, quantity=1)

    @staticmethod
    def _import_job(user: User) -> ImportJob:
        upload = SimpleUploadedFile("list.csv", b"head_name,household_size\nSomeone,0\n", content_type="text/csv")
        job = jobs.create_job(uploaded=upload, created_by=user, source=f"matrix-{user.pk}")
        ImportRow.objects.create(
            job=job, row_number=2, outcome=ImportRow.Outcome.INVALID, errors=[{"column": "x", "reason": "y"}]
        )
        ImportJob.objects.filter(pk=job.pk).update(invalid_rows=1)
        return job

    @staticmethod
    def _staff_strings(project: Project) -> re.Pattern:
        """Staff names and free text typed by staff: a receipt of the project voided with a reason to find."""
        receipt = Receipt.objects.filter(distribution__project=project).order_by("-pk").first()
        void_receipt(receipt, voided_by=User.objects.get(username="officer"), reason=VOID_REASON)
        staff = User.objects.filter(role__in=[Role.FIELD_OFFICER, Role.PROGRAMME_MANAGER]).exclude(first_name="")
        values = {VOID_REASON, *(user.get_full_name() for user in staff)}
        values = {form for value in values for form in (value, html.escape(value), json.dumps(value)[1:-1])}
        return re.compile("|".join(re.escape(value) for value in sorted(values, key=len, reverse=True)))

    @staticmethod
    def _personal_strings(households) -> re.Pattern:
        """Names, phones and registration codes as they may appear: raw, HTML-escaped, JSON-escaped."""
        values = set()
        for name, phone, code in households.values_list("head_name", "phone", "registration_code"):
            for value in (name, phone, Household(registration_code=code).display_code):
                if value:
                    values |= {value, html.escape(value), json.dumps(value)[1:-1]}
        return re.compile("|".join(re.escape(value) for value in sorted(values, key=len, reverse=True)))

    def value(self, kind: str, role: str, side: str, route: Route):
        if kind == "import_job":
            if side == "in":
                owner = role if role in IMPORTERS - ADMIN else "manager"
                return self.import_jobs[owner].pk
            return self.objects["out"]["import_job"]
        if kind in self.objects[side]:
            return self.objects[side][kind]
        return self._constant(kind, route)

    def _constant(self, kind: str, route: Route):
        if kind in ("uidb64", "token"):
            return "MQ" if kind == "uidb64" else "set-password"
        if kind == "fmt":
            return "csv"
        if kind == "pcode":
            return "ML05"
        if kind == "kit_code":
            return "ESK-ML"
        if kind == "admin_object":
            model = admin_model(route)
            instance = model._default_manager.order_by("pk").first() if model else None
            return str(instance.pk) if instance else "1"
        if kind == "content_type":
            return str(ContentType.objects.get_for_model(Household).pk)
        if kind == "app_label":
            return "beneficiaries"
        if kind == "url":
            return "no-such-page/"
        raise LookupError(f"{route.key}: no fixture for the object kind {kind!r}")


def admin_model(route: Route):
    for model in admin.site._registry:
        if route.pattern.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None
