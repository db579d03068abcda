"""The demo operations, loaded by `manage.py load_demo` (run by `make run`). Idempotent.

Mali follows IOM's public reporting on the Government of Japan-funded project in Mopti
(first distribution 1-17 July 2024: 100 green emergency shelter kits and 75 NFI kits at the
Walirdé and Takouti IDP sites and the Sarema and Tombouctou Coura host communities). Iraq is
an illustrative winterisation operation of another shape (per-member entitlements, target
periods, a distribution under way). Households and names are synthetic.
"""

import datetime
import random
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Role, User
from beneficiaries import identity
from beneficiaries.models import DisplacementStatus, Household, IdDocumentType
from demo.data import (
    AREAS,
    DEMO_ID_DOCUMENT_TYPES,
    DEMO_PASSWORD,
    IRAQ_NAMES,
    IRAQ_SITES,
    KIT_NAMES,
    KITS,
    MALI_NAMES,
    MALI_SITES,
    ORGANISATIONS,
    UUID_NAMESPACE,
    SitePlan,
    household_fields,
    stable_code,
)
from demo.indicators import load_mopti_indicators
from demo.stock import MoptiStock
from distributions.models import Distribution, DistributionItem, VerificationMethod
from distributions.services import record_receipts_bulk
from kits.models import KitItem, KitType
from projects.models import Project, Target, TargetPeriod
from sites.models import AdminArea, Site


class DemoLoader:
    def __init__(self) -> None:
        self.changes = 0
        self.started_at = timezone.now()

    def upsert(self, model, lookup: dict, values: dict):
        """Create, or update only what differs, and count real changes."""
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            self.changes += 1
            return model.objects.create(**lookup, **values)
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        if changed:
            for name in changed:
                setattr(instance, name, values[name])
            instance.save()
            self.changes += 1
        return instance

    @transaction.atomic
    def load(self) -> int:
        areas = self.load_areas()
        orgs = self.load_organisations()
        kits = self.load_kits()
        users = self.load_users(orgs)
        self.load_id_document_types()
        self.load_mali(areas, orgs, kits, users)
        self.load_iraq(areas, orgs, kits, users)
        return self.changes

    def load_id_document_types(self) -> None:
        """The countries' own identity documents, beside the generic ones of migration beneficiaries 0007."""
        identity.ensure_generic_document_types()
        for country, code, label, others in DEMO_ID_DOCUMENT_TYPES:
            self.upsert(
                IdDocumentType, {"country_code": country, "code": code}, {"label": label, "other_labels": others}
            )

    def load_organisations(self) -> dict[str, Organisation]:
        return {
            acronym: self.upsert(
                Organisation, {"name": name}, {"acronym": acronym, "kind": kind, "iati_identifier": iati}
            )
            for name, acronym, kind, iati in ORGANISATIONS
        }

    def load_areas(self) -> dict[str, AdminArea]:
        areas: dict[str, AdminArea] = {}
        for pcode, name, level, parent, valid_from in AREAS:
            areas[pcode] = self.upsert(
                AdminArea,
                {"pcode": pcode},
                {
                    "name": name,
                    "level": level,
                    "parent": areas.get(parent),
                    "country_code": (pcode[:2] == "ML" and "MLI") or "IRQ",
                    "valid_from": datetime.date.fromisoformat(valid_from),
                },
            )
        return areas

    def load_kits(self) -> dict[str, KitType]:
        kits = {}
        for code, (name, category, items) in KITS.items():
            name_fr, name_ar = KIT_NAMES.get(code, ("", ""))
            kits[code] = self.upsert(
                KitType, {"code": code}, {"name": name, "name_fr": name_fr, "name_ar": name_ar, "category": category}
            )
            for item, quantity, unit in items:
                self.upsert(KitItem, {"kit_type": kits[code], "item": item}, {"quantity": quantity, "unit": unit})
        return kits

    def load_users(self, orgs) -> dict[str, User]:
        specs = [
            ("admin", "Demo", "Administrator", Role.ADMINISTRATOR, "IOM"),
            ("manager", "Mariam", "Keita", Role.PROGRAMME_MANAGER, "IOM"),
            ("officer", "Hamadoun", "Dicko", Role.FIELD_OFFICER, "IOM"),
            ("officer.iraq", "Shireen", "Hamo", Role.FIELD_OFFICER, "IOM"),
            ("donor", "Kenji", "Sato", Role.DONOR_VIEWER, "Japan"),
            ("partner", "Shelter cluster", "5W", Role.PARTNER_SYSTEM, "IOM"),
            ("storekeeper", "Boubacar", "Traoré", Role.STOREKEEPER, "IOM"),
        ]
        users = {}
        for username, first, last, role, org in specs:
            user = self.upsert(
                User,
                {"username": username},
                {
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "organisation": orgs[org],
                    "is_staff": role == Role.ADMINISTRATOR,
                    "is_superuser": role == Role.ADMINISTRATOR,
                },
            )
            if not user.password or not user.has_usable_password():  # created without one
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user
        return users

    def load_sites(self, plans: list[SitePlan], areas) -> dict[str, Site]:
        return {
            plan.code: self.upsert(
                Site,
                {"code": plan.code},
                {
                    "name": plan.name,
                    "site_type": plan.site_type,
                    "admin_area": areas[plan.area],
                    "latitude": Decimal(plan.coordinates[0]),
                    "longitude": Decimal(plan.coordinates[1]),
                },
            )
            for plan in plans
        }

    def load_households(
        self, plan: SitePlan, site: Site, names: dict, registered: datetime.date, by: User
    ) -> list[Household]:
        rng = random.Random(plan.code)
        households = []
        for number in range(1, plan.households + 1):
            values = household_fields(rng, names, plan.status)
            values.update(site=site, registered_by=by, consent_date=registered)
            values["phone"] = identity.normalise_phone(values["phone"])  # stored in E.164, as registration does
            households.append(
                self.upsert(Household, {"registration_code": stable_code(f"{plan.code}-{number}")}, values)
            )
        return households

    def load_distribution(
        self,
        *,
        project,
        site,
        name,
        start,
        end,
        status,
        plan: SitePlan,
        kits,
        households,
        officer,
        planned=None,
        entitlements=None,
        receipt_days=None,
        names=None,
        while_open=None,
    ) -> Distribution:
        distribution = self.upsert(
            Distribution,
            {"project": project, "site": site, "name": name},
            {"planned_start": start, "planned_end": end, **(names or {})},
        )
        for kit_code in plan.kits:
            basis, quantity, maximum = (entitlements or {}).get(
                kit_code, (DistributionItem.Basis.PER_HOUSEHOLD, 1, None)
            )
            self.upsert(
                DistributionItem,
                {"distribution": distribution, "kit_type": kits[kit_code]},
                {
                    "planned_quantity": (planned or plan.kits)[kit_code],
                    "entitlement_basis": basis,
                    "entitlement_quantity": quantity,
                    "entitlement_maximum": maximum,
                },
            )
        if distribution.status != status and not distribution.receipts.exists():
            distribution.status = Distribution.Status.ONGOING  # receipts are recorded while open
            distribution.save(update_fields=["status"])
        rng = random.Random(f"{plan.code}-receipts")
        days = receipt_days or (end - start).days + 1
        items = []
        for kit_code, served in plan.kits.items():
            for index, household in enumerate(households[:served]):
                moment = datetime.datetime.combine(
                    start + datetime.timedelta(days=index % days),
                    datetime.time(8 + rng.randint(0, 7), rng.randint(0, 59)),
                )
                items.append(
                    {
                        "distribution": distribution,
                        "household": household,
                        "kit_type": kits[kit_code],
                        "verification_method": VerificationMethod.REGISTRATION_CODE
                        if index % 7
                        else VerificationMethod.THUMBPRINT,
                        "client_uuid": uuid.uuid5(
                            UUID_NAMESPACE, f"{distribution.name}/{household.registration_code}/{kit_code}"
                        ),
                        "received_at": timezone.make_aware(moment, datetime.UTC),
                    }
                )
        # The offline sync's set-based path (the same rules as record_receipt, a few statements for the lot).
        for outcome in record_receipts_bulk(recorded_by=officer, items=items):
            if outcome.error is not None:
                raise outcome.error  # the demo's own plan refused: a defect to see, not to skip
            self.changes += outcome.recorded.created
        if while_open is not None:
            while_open(distribution)  # the stock story (demo/stock.py), before the distribution is closed
        self.upsert(Distribution, {"pk": distribution.pk}, {"status": status})
        return distribution

    def load_mali(self, areas, orgs, kits, users) -> None:
        project = self.upsert(
            Project,
            {"code": "MLI-JPN-2024-SNFI"},
            {
                "title": "Responding to the needs of internally displaced persons in Northern and Central Mali",
                "title_fr": "Répondre aux besoins des personnes déplacées internes au Nord et au Centre du Mali",
                "title_ar": "الاستجابة لاحتياجات النازحين داخليًا في شمال ووسط مالي",
                "donor": orgs["Japan"],
                "lead_organisation": orgs["IOM"],
                "start_date": datetime.date(2024, 7, 1),
                "end_date": datetime.date(2025, 6, 30),
                "status": Project.Status.ACTIVE,
            },
        )
        project.implementing_partners.set([orgs["DNDS"], orgs["DGPC"]])
        project.admin_areas.set([areas[code] for code in ("ML05", "ML04", "ML06", "ML07")])
        for kit_code, value in (("ESK-ML", 450), ("NFI-ML", 640)):
            self.upsert(
                Target,
                {"project": project, "indicator": Target.Indicator.KITS_DISTRIBUTED, "kit_type": kits[kit_code]},
                {"target_value": value},
            )
        self.upsert(
            Target,
            {"project": project, "indicator": Target.Indicator.INDIVIDUALS_REACHED, "kit_type": None},
            {"target_value": 10985},
        )
        sites = self.load_sites(MALI_SITES, areas)
        users["officer"].assigned_sites.set(sites.values())
        stock = MoptiStock(self, project, kits, orgs, users)
        for username in ("manager", "donor", "partner"):
            users[username].assigned_projects.add(project)
        for plan in MALI_SITES:
            households = self.load_households(
                plan, sites[plan.code], MALI_NAMES, datetime.date(2024, 6, 20), users["officer"]
            )
            self.load_distribution(
                project=project,
                site=sites[plan.code],
                name=f"Mopti urban, July 2024: {plan.name}",
                names={
                    "name_fr": f"Mopti urbain, juillet 2024 : {plan.name}",
                    "name_ar": f"موبتي الحضرية، يوليو 2024: {plan.name}",
                },
                start=datetime.date(2024, 7, 1),
                end=datetime.date(2024, 7, 17),
                status=Distribution.Status.COMPLETED,
                plan=plan,
                kits=kits,
                households=households,
                officer=users["officer"],
                while_open=lambda distribution, code=plan.code: stock.first_round(code, distribution),
            )
            if plan.status == DisplacementStatus.IDP:
                self.load_second_mopti_round(project, sites[plan.code], plan, kits, households, users["officer"])
        load_mopti_indicators(self, project, users)  # latrines, water points, hygiene awareness, tents

    def load_second_mopti_round(self, project, site, plan: SitePlan, kits, households, officer) -> Distribution:
        """A second NFI round at the IDP sites, under way on the day the demo is loaded (from yesterday to
        six days on), every household still to serve: the Mopti officer has a queue to work through.
        Its dates follow the day of loading; loaded twice the same day, nothing changes."""
        today = timezone.localdate()
        return self.load_distribution(
            project=project,
            site=site,
            name=f"Mopti urban, round 2: {plan.name}",
            names={
                "name_fr": f"Mopti urbain, 2e tour : {plan.name}",
                "name_ar": f"موبتي الحضرية، الجولة 2: {plan.name}",
            },
            start=today - datetime.timedelta(days=1),
            end=today + datetime.timedelta(days=6),
            status=Distribution.Status.ONGOING,
            plan=SitePlan(**{**plan.__dict__, "kits": {"NFI-ML": 0}}),
            kits=kits,
            households=households,
            officer=officer,
            planned={"NFI-ML": plan.households},
        )

    def load_iraq(self, areas, orgs, kits, users) -> None:
        project = self.upsert(
            Project,
            {"code": "IRQ-ECHO-2026-WINTER"},
            {
                "title": "Winterisation assistance for displaced households in camps of Duhok and Ninewa",
                "donor": orgs["ECHO"],
                "lead_organisation": orgs["IOM"],
                "start_date": datetime.date(2026, 10, 1),
                "end_date": datetime.date(2027, 3, 31),
                "status": Project.Status.ACTIVE,
            },
        )
        project.admin_areas.set([areas["IQG09"], areas["IQG15"]])
        winter = self.upsert(
            Target,
            {"project": project, "indicator": Target.Indicator.KITS_DISTRIBUTED, "kit_type": kits["WINTER-IQ"]},
            {"target_value": 1200},
        )
        for start, end, value in (
            ("2026-10-01", "2026-11-30", 500),
            ("2026-12-01", "2027-01-31", 500),
            ("2027-02-01", "2027-03-31", 200),
        ):
            self.upsert(
                TargetPeriod,
                {"target": winter, "period_start": datetime.date.fromisoformat(start)},
                {"period_end": datetime.date.fromisoformat(end), "target_value": value},
            )
        self.upsert(
            Target,
            {"project": project, "indicator": Target.Indicator.HOUSEHOLDS_REACHED, "kit_type": None},
            {"target_value": 1200},
        )
        sites = self.load_sites(IRAQ_SITES, areas)
        users["officer.iraq"].assigned_sites.set([sites["IQ-DUH-CHM"], sites["IQ-DUH-BR2"]])
        for username in ("manager", "partner"):
            users[username].assigned_projects.add(project)
        for plan in IRAQ_SITES:
            households = self.load_households(
                plan, sites[plan.code], IRAQ_NAMES, datetime.date(2026, 9, 15), users["officer.iraq"]
            )
            if plan.kits:
                # Under way: planned for the whole camp, the first twelve days' receipts recorded.
                self.load_distribution(
                    project=project,
                    site=sites[plan.code],
                    name=f"Winter round 1: {plan.name}",
                    start=datetime.date(2026, 11, 2),
                    end=datetime.date(2026, 12, 18),
                    status=Distribution.Status.ONGOING,
                    plan=plan,
                    kits=kits,
                    households=households,
                    officer=users["officer.iraq"],
                    planned={"WINTER-IQ": 40, "BLANKET-IQ": 240},
                    entitlements={"BLANKET-IQ": (DistributionItem.Basis.PER_MEMBER, 1, 8)},
                    receipt_days=12,
                )


def load_demo() -> int:
    """Load or refresh the demo; returns how many rows it created or changed (0 the second time)."""
    return DemoLoader().load()
