"""The demo operations, loaded by `manage.py load_demo` (run by `make run`). Idempotent.

Mali follows IOM's public reporting on the Government of Japan-funded project in Mopti
(first distribution 1-17 July 2024: 100 green emergency shelter kits and 75 NFI kits at the
Walirdé and Takouti IDP sites and the Sarema and Tombouctou Coura host communities). Iraq is
an illustrative winterisation operation of another shape (per-member entitlements, target
periods, a distribution under way). Households and names are synthetic.
"""

import datetime
import hashlib
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Role, User
from beneficiaries import codes, identity
from beneficiaries.models import SADD_FIELDS, DisplacementStatus, Household, IdDocumentType
from distributions.models import Distribution, DistributionItem, VerificationMethod
from distributions.services import record_receipts_bulk
from kits.models import KitCategory, KitItem, KitType
from projects.models import Project, Target, TargetPeriod
from sites.models import AdminArea, Site

DEMO_PASSWORD = "demo-pass-2024"  # noqa: S105 - printed for the demo accounts
UUID_NAMESPACE = uuid.UUID("5b0e7a52-7d0f-4d4e-9a43-6c1b9d1c2f10")

AREAS = [  # (pcode, name, level, parent, valid_from) from OCHA's global P-codes
    ("MLI", "Mali", 0, None, "2021-12-20"),
    ("ML04", "Segou", 1, "MLI", "2021-12-20"),
    ("ML05", "Mopti", 1, "MLI", "2021-12-20"),
    ("ML06", "Tombouctou", 1, "MLI", "2021-12-20"),
    ("ML07", "Gao", 1, "MLI", "2021-12-20"),
    ("ML0506", "Mopti", 2, "ML05", "2021-12-20"),
    ("IRQ", "Iraq", 0, None, "2019-06-03"),
    ("IQG09", "Duhok", 1, "IRQ", "2019-06-03"),
    ("IQG09Q04", "Zakho", 2, "IQG09", "2019-06-03"),
    ("IQG15", "Ninewa", 1, "IRQ", "2019-06-03"),
    ("IQG15Q03", "Al-Hamdaniya", 2, "IQG15", "2019-06-03"),
]

ORGANISATIONS = [  # (name, acronym, kind, IATI identifier)
    ("International Organization for Migration", "IOM", Organisation.Kind.UN_AGENCY, "XM-DAC-47066"),
    ("Government of Japan", "Japan", Organisation.Kind.DONOR, "XM-DAC-701"),
    ("Direction Nationale du Développement Social", "DNDS", Organisation.Kind.GOVERNMENT, ""),
    ("Direction Générale de la Protection Civile", "DGPC", Organisation.Kind.GOVERNMENT, ""),
    ("European Civil Protection and Humanitarian Aid Operations", "ECHO", Organisation.Kind.DONOR, "XI-IATI-EC_ECHO"),
]

KITS = {
    "ESK-ML": (
        "Emergency shelter kit (green)",
        KitCategory.EMERGENCY_SHELTER,
        [
            ("Traditional mat", 2, "piece"),
            ("Local wood pole", 10, "piece"),
            ("Tarpaulin 4 x 6 m", 2, "piece"),
            ("Rope", 30, "metre"),
        ],
    ),
    "NFI-ML": (
        "NFI kit",
        KitCategory.NFI,
        [
            ("Kitchen set", 1, "set"),
            ("Blanket", 2, "piece"),
            ("Sleeping mat", 2, "piece"),
            ("Jerrycan 10 L", 2, "piece"),
            ("Solar lamp", 1, "piece"),
        ],
    ),
    "TENT-ML": ("Multi-purpose tent", KitCategory.TENT, [("Multi-purpose tent 42 m²", 1, "piece")]),
    "WINTER-IQ": (
        "Winterisation kit",
        KitCategory.SEASONAL_WINTER,
        [("Kerosene heater", 1, "piece"), ("Rechargeable light", 2, "piece"), ("Thermal blanket", 2, "piece")],
    ),
    "BLANKET-IQ": ("Winter blanket", KitCategory.SEASONAL_WINTER, [("High-thermal blanket", 1, "piece")]),
    "REPL-IQ": (
        "NFI replacement kit",
        KitCategory.REPLACEMENT,
        [("Cooking stove", 1, "piece"), ("Mattress", 2, "piece"), ("Kitchen set", 1, "set")],
    ),
}


@dataclass
class SitePlan:
    code: str
    name: str
    site_type: str
    area: str
    coordinates: tuple[str, str]
    households: int
    status: str
    kits: dict[str, int] = field(default_factory=dict)  # kit code -> households served


MALI_SITES = [
    SitePlan(
        "ML-MOP-WAL",
        "Walirdé",
        Site.SiteType.INFORMAL_SITE,
        "ML0506",
        ("14.4957", "-4.1826"),
        46,
        DisplacementStatus.IDP,
        {"ESK-ML": 40, "NFI-ML": 30},
    ),
    SitePlan(
        "ML-MOP-TAK",
        "Takouti",
        Site.SiteType.INFORMAL_SITE,
        "ML0506",
        ("14.5100", "-4.1700"),
        34,
        DisplacementStatus.IDP,
        {"ESK-ML": 30, "NFI-ML": 20},
    ),
    SitePlan(
        "ML-MOP-SAR",
        "Sarema",
        Site.SiteType.HOST_COMMUNITY,
        "ML0506",
        ("14.4920", "-4.1960"),
        17,
        DisplacementStatus.HOST_COMMUNITY,
        {"ESK-ML": 15, "NFI-ML": 13},
    ),
    SitePlan(
        "ML-MOP-TBC",
        "Tombouctou Coura",
        Site.SiteType.HOST_COMMUNITY,
        "ML0506",
        ("14.4890", "-4.1890"),
        16,
        DisplacementStatus.HOST_COMMUNITY,
        {"ESK-ML": 15, "NFI-ML": 12},
    ),
]
IRAQ_SITES = [
    SitePlan(
        "IQ-DUH-CHM",
        "Chamishku camp",
        Site.SiteType.PLANNED_CAMP,
        "IQG09Q04",
        ("37.1396", "42.6900"),
        40,
        DisplacementStatus.IDP,
        {"WINTER-IQ": 24, "BLANKET-IQ": 24},
    ),
    SitePlan(
        "IQ-DUH-BR2",
        "Bersive 2 camp",
        Site.SiteType.PLANNED_CAMP,
        "IQG09Q04",
        ("37.1800", "42.7200"),
        20,
        DisplacementStatus.IDP,
        {},
    ),
    SitePlan(
        "IQ-NIN-HSU3",
        "Hasansham U3 camp",
        Site.SiteType.PLANNED_CAMP,
        "IQG15Q03",
        ("36.2700", "43.5600"),
        12,
        DisplacementStatus.RETURNEE,
        {},
    ),
]

MALI_NAMES = {
    "F": [
        "Fatoumata",
        "Aïssata",
        "Mariam",
        "Kadidia",
        "Aminata",
        "Djeneba",
        "Assetou",
        "Hawa",
        "Oumou",
        "Bintou",
        "Fanta",
        "Salimata",
    ],
    "M": [
        "Amadou",
        "Hamadoun",
        "Boubacar",
        "Oumar",
        "Ousmane",
        "Hama",
        "Sékou",
        "Issa",
        "Moussa",
        "Abdoulaye",
        "Yacouba",
        "Allaye",
    ],
    "family": [
        "Diallo",
        "Barry",
        "Cissé",
        "Traoré",
        "Sangaré",
        "Dicko",
        "Touré",
        "Guindo",
        "Tembely",
        "Kassogué",
        "Ba",
        "Maïga",
        "Koné",
        "Coulibaly",
        "Bocoum",
        "Sidibé",
        "Dembélé",
        "Togo",
    ],
}
IRAQ_NAMES = {
    "F": ["Layla", "Khadija", "Noor", "Zainab", "Hana", "Shireen", "Amira", "Rojin", "Fatima", "Sara"],
    "M": ["Ahmed", "Mohammed", "Yousif", "Khalil", "Omar", "Saman", "Ali", "Hussein", "Dilshad", "Karim"],
    "family": ["Hassan", "Saleh", "Ali", "Khalaf", "Ibrahim", "Qasim", "Hamo", "Rashid", "Mahmoud", "Haji"],
}


DEMO_ID_DOCUMENT_TYPES = [
    (
        "MLI",
        "nina",
        "Carte NINA (numéro d'identification nationale)",
        "NINA|carte NINA|fiche NINA|numero NINA|numéro d'identification nationale",
    ),
    ("MLI", "carte_consulaire", "Carte consulaire", "consular card"),
    (
        "IRQ",
        "unified_id",
        "Unified national card",
        "national card|البطاقة الوطنية|البطاقة الوطنية الموحدة|unified id",
    ),
    ("IRQ", "civil_status_id", "Civil status ID (jinsiya)", "civil id|هوية الاحوال المدنية|jinsiya"),
    ("IRQ", "pds_card", "Public Distribution System ration card", "PDS|ration card|البطاقة التموينية"),
]

# Kit names in French and Arabic (config.names): what the officers and the reports call them.
KIT_NAMES = {
    "ESK-ML": ("Kit d'abri d'urgence (vert)", "حقيبة المأوى الطارئ (خضراء)"),
    "NFI-ML": ("Kit d'articles non alimentaires", "حقيبة المواد غير الغذائية"),
    "TENT-ML": ("Tente polyvalente", "خيمة متعددة الأغراض"),
    "WINTER-IQ": ("Kit d'hiver", "حقيبة الشتاء"),
    "BLANKET-IQ": ("Couverture d'hiver", "بطانية شتوية"),
    "REPL-IQ": ("Kit de remplacement NFI", "حقيبة استبدال المواد غير الغذائية"),
}


def stable_code(key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    body = "".join(codes.ALPHABET[byte % 32] for byte in digest[: codes.BODY_LENGTH])
    return body + codes.check_character(body)


def household_fields(rng: random.Random, names: dict, status: str) -> dict:
    """Plausible sex-and-age counts: sizes 2 to 12, mostly children, a few older people."""
    size = rng.choice([2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 9, 10, 11, 12])
    head_sex = "F" if rng.random() < 0.38 else "M"
    counts = dict.fromkeys(SADD_FIELDS, 0)
    counts["females_18_59" if head_sex == "F" else "males_18_59"] = 1
    older_head = rng.random() < 0.08
    if older_head:
        counts = dict.fromkeys(SADD_FIELDS, 0)
        counts["females_60_plus" if head_sex == "F" else "males_60_plus"] = 1
    bands = ["0_5", "0_5", "6_17", "6_17", "6_17", "18_59", "18_59", "60_plus"]
    for _member in range(size - 1):
        counts[f"{rng.choice(['females', 'males'])}_{rng.choice(bands)}"] += 1
    adult_women = counts["females_18_59"]
    return {
        "head_name": f"{rng.choice(names[head_sex])} {rng.choice(names['family'])}",
        "head_sex": head_sex,
        "head_birth_year": rng.randint(1950, 1960) if older_head else rng.randint(1966, 2004),
        "displacement_status": status,
        "household_size": size,
        **counts,
        "woman_headed": head_sex == "F",
        "older_person_headed": older_head,
        "person_with_disability": rng.random() < 0.12,
        "chronic_illness": rng.random() < 0.09,
        "pregnant_or_lactating": adult_women > 0 and rng.random() < 0.25,
        "phone": f"+223 7{rng.randint(0, 9)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        if names is MALI_NAMES
        else f"+964 750 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        "consent_given": True,
    }


class DemoLoader:
    def __init__(self) -> None:
        self.changes = 0

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
            )
            if plan.status == DisplacementStatus.IDP:
                self.load_second_mopti_round(project, sites[plan.code], plan, kits, households, users["officer"])

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
