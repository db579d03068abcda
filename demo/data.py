"""The demo operations' data: areas (OCHA P-codes), organisations, kits, sites, synthetic names.

Mali follows IOM's public reporting on the Government of Japan-funded project in Mopti (see
demo/loader.py); households and names are synthetic.
"""

import hashlib
import random
import uuid
from dataclasses import dataclass, field

from accounts.models import Organisation
from beneficiaries import codes
from beneficiaries.models import SADD_FIELDS, DisplacementStatus
from kits.models import KitCategory
from sites.models import Site

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
