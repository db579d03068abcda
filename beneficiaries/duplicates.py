"""Is this registration a household we already know? Reads only: the writes are in duplicate_services.py.

Exact rules give a likelihood of 1: the same ID document anywhere, or the same phone and head of
household name in the same admin 2 area. The fuzzy rule compares head of household names (after
transliteration, variant folding and word sorting, see matching.py) of households in the same
admin 2 area whose head was born within two years, then weighs the other facts: birth year, sex
of the head, phone. Candidates are found by index: the name skeleton, and pg_trgm similarity of
the name keys (typos in consonants). The likelihood itself is computed here in Python, for one
registration and for a file's batch alike, so thresholds mean one thing.

Thresholds (settings): at or above DUPLICATE_HOLD_THRESHOLD a row is held, not created; at or
above DUPLICATE_REVIEW_THRESHOLD it is created and flagged for a reviewer.
"""

import contextlib
import contextvars
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.lookups import TrigramSimilar
from django.db import connection
from django.db.models import F, Q, Value
from django.db.models.functions import Abs

from beneficiaries import matching
from beneficiaries.models import Household
from sites.models import Site

BIRTH_YEAR_WINDOW = 2
FUZZY_CANDIDATE_LIMIT = 100
EXACT_CANDIDATE_LIMIT = 20
# File imports check rows by the thousand (BatchMatcher below): there the pg_trgm query (a few ms a row
# against a million households) is left out, and candidates come from the exact keys and the name
# skeleton only. bulk_checks() gives one registration the same candidates.
_trigram_search = contextvars.ContextVar("duplicate_trigram_search", default=True)
_area_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar("duplicate_area_cache", default=None)


@contextlib.contextmanager
def bulk_checks() -> Iterator[None]:
    """Check one registration as a file import checks its rows (BatchMatcher): no pg_trgm, areas' sites cached."""
    trigram, cache = _trigram_search.set(False), _area_cache.set({})
    try:
        yield
    finally:
        _trigram_search.reset(trigram)
        _area_cache.reset(cache)


_CANDIDATE_FIELDS = (
    "id",
    "registration_code",
    "site_id",
    "head_sex",
    "head_birth_year",
    "head_name",
    "head_name_key",
    "head_name_skeleton",
    "phone_key",
    "id_document_key",
)


def hold_threshold() -> float:
    return float(getattr(settings, "DUPLICATE_HOLD_THRESHOLD", 0.92))


def review_threshold() -> float:
    return float(getattr(settings, "DUPLICATE_REVIEW_THRESHOLD", 0.80))


@dataclass(frozen=True)
class Match:
    household: Household
    likelihood: float
    reasons: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """'hold', 'review' or '' (distinct)."""
        if self.likelihood >= hold_threshold():
            return "hold"
        if self.likelihood >= review_threshold():
            return "review"
        return ""


def _area_site_ids(site: Site) -> list[int]:
    """The sites of the site's admin 2 area (the site alone without one), looked up once per bulk check.

    A list rather than a subquery: PostgreSQL then filters each index scan by it, instead of
    joining every site of the area to the household table.
    """
    cache = _area_cache.get()
    key = site.admin2_id or -site.pk
    if cache is not None and key in cache:
        return cache[key]
    ids = (
        list(Site.objects.filter(admin2_id=site.admin2_id).order_by().values_list("pk", flat=True))
        if site.admin2_id
        else [site.pk]
    )
    if cache is not None:
        cache[key] = ids
    return ids


def _candidates(probe: Household) -> list[Household]:
    """At most a few queries, each served by an index: exact keys, the name skeleton, and pg_trgm on PostgreSQL."""
    active = Household.objects.filter(is_active=True).exclude(pk=probe.pk).only(*_CANDIDATE_FIELDS).order_by()
    area = Q(site_id__in=_area_site_ids(probe.site))
    year = probe.head_birth_year or 0
    years = (year - BIRTH_YEAR_WINDOW, year + BIRTH_YEAR_WINDOW)
    exact = Q()
    if probe.id_document_key:
        exact |= Q(id_document_key=probe.id_document_key)
    if probe.phone_key:
        exact |= area & Q(phone_key=probe.phone_key)
    found = {household.pk: household for household in active.filter(exact)[:EXACT_CANDIDATE_LIMIT]} if exact else {}
    if probe.head_name_skeleton and probe.head_birth_year:
        # Common names have hundreds of namesakes in an area: the closest birth years first.
        same_skeleton = active.filter(area, head_name_skeleton=probe.head_name_skeleton, head_birth_year__range=years)
        closest = same_skeleton.order_by(Abs(F("head_birth_year") - year), "pk")[:FUZZY_CANDIDATE_LIMIT]
        found.update((household.pk, household) for household in closest)
    if probe.head_name_key and probe.head_birth_year:
        nearby = active.filter(area, head_birth_year__range=years)
        if _trigram_search.get():
            # pg_trgm's % operator (threshold pg_trgm.similarity_threshold, 0.3 by default), served by the
            # GIN index household_name_key_trgm (migration 0003): typos in consonants the skeleton keeps.
            similar = nearby.filter(TrigramSimilar(F("head_name_key"), Value(probe.head_name_key)))
            found.update((household.pk, household) for household in similar[:FUZZY_CANDIDATE_LIMIT])
    return list(found.values())


def score(probe: Household, candidate: Household) -> Match:
    """The likelihood that `probe` is the household `candidate`, with the reasons in plain words."""
    name = matching.name_similarity(probe.head_name_key, candidate.head_name_key)
    cross_script = matching.cross_script_similarity(
        probe.head_name, candidate.head_name, probe.head_name_skeleton, candidate.head_name_skeleton
    )
    if probe.id_document_key and probe.id_document_key == candidate.id_document_key:
        year_gap = abs((probe.head_birth_year or 0) - (candidate.head_birth_year or 0))
        other_sex = bool(probe.head_sex and candidate.head_sex and probe.head_sex != candidate.head_sex)
        if max(name, cross_script) < 0.6 and other_sex and year_gap > BIRTH_YEAR_WINDOW:
            # One document, and a head who differs in name, sex and age: a typo or a shared document,
            # for a person to look at, never certain.
            reasons = ["same ID document", "but the head's name, sex and birth year all differ"]
            return Match(candidate, review_threshold(), reasons)
        return Match(candidate, 1.0, ["same ID document"])
    same_phone = bool(probe.phone_key) and probe.phone_key == candidate.phone_key
    if same_phone and name == 1.0:  # candidates found by phone are in the same area
        return Match(candidate, 1.0, ["same phone and head of household name in the same area"])
    if cross_script > name:
        likelihood = cross_script
        reasons = [f"head of household names alike across scripts (Arabic and Latin), {cross_script:.0%}"]
    else:
        likelihood = name
        reasons = ["same head of household name" if name == 1.0 else f"head of household names {name:.0%} alike"]
    year_gap = abs((probe.head_birth_year or 0) - (candidate.head_birth_year or 0))
    if year_gap == 0:
        likelihood += 0.05
        reasons.append("same birth year")
    elif year_gap == 2:
        likelihood -= 0.08
    elif year_gap > 2:
        likelihood -= 0.3
    if probe.head_sex and candidate.head_sex and probe.head_sex != candidate.head_sex:
        likelihood -= 0.25
        reasons.append("heads of different sex")
    if same_phone:
        likelihood += 0.1
        reasons.append("same phone")
    elif probe.phone_key and candidate.phone_key:
        # People change SIM cards, so a different phone lowers the likelihood without ruling it out:
        # namesakes born the same year with different phones are flagged for review, not held.
        likelihood -= 0.15
        reasons.append("different phones")
    return Match(candidate, round(min(1.0, max(0.0, likelihood)), 3), reasons)


def find_matches(probe: Household) -> list[Match]:
    """Households the (unsaved or saved) `probe` may duplicate, most likely first, above the review threshold."""
    probe.refresh_match_keys()
    matches = [score(probe, candidate) for candidate in _candidates(probe)]
    return sorted(
        (match for match in matches if match.likelihood >= review_threshold()),
        key=lambda match: (-match.likelihood, match.household.pk),
    )


def best_match(probe: Household) -> Match | None:
    matches = find_matches(probe)
    return matches[0] if matches else None


# --- File imports: the same candidates and scores as `best_match` under bulk_checks(), for a batch at once ---

# One statement for a whole batch: per probe, the exact keys (same ID document anywhere, same phone in the
# area; the EXACT_CANDIDATE_LIMIT lowest ids) and the name skeleton in the area within the birth-year window
# (the FUZZY_CANDIDATE_LIMIT closest birth years), as _candidates() finds them for one registration.
# The skeleton by one index scan per probe (LATERAL … LIMIT, the area's sites as an array, as
# _candidates() does: a plain join lets the planner scan the area's sites instead); the exact keys as
# arrays of values, which the planner estimates from its statistics (most households have no ID
# document: compared with a column of the probes, it expects the whole table and scans it).
_POSTGRESQL_CANDIDATES = """
WITH area AS (SELECT COALESCE(admin2_id, -id) AS area, array_agg(id) AS sites FROM {sites} GROUP BY 1),
probe AS (
    SELECT p.*, area.sites
    FROM jsonb_to_recordset(%s::jsonb) AS p(n int, area bigint, doc text, phone text, skel text, yr int)
    LEFT JOIN area ON area.area = p.area
),
keyed AS (
    SELECT p.n, h.id FROM {households} h JOIN probe p ON p.doc = h.id_document_key
    WHERE h.id_document_key = ANY(%s::text[]) AND h.is_active
    UNION
    SELECT p.n, h.id FROM {households} h JOIN probe p ON p.phone = h.phone_key AND h.site_id = ANY(p.sites)
    WHERE h.phone_key = ANY(%s::text[]) AND h.is_active
),
exact AS (SELECT n, id, ROW_NUMBER() OVER (PARTITION BY n ORDER BY id) AS rank FROM keyed)
SELECT p.n, 0, c.* FROM probe p CROSS JOIN LATERAL (
    SELECT {fields} FROM {households} h
    WHERE h.head_name_skeleton = p.skel AND h.head_birth_year BETWEEN p.yr - {window} AND p.yr + {window}
        AND h.site_id = ANY(p.sites) AND h.is_active
    ORDER BY ABS(h.head_birth_year - p.yr), h.id LIMIT {fuzzy_limit}
) c WHERE p.skel <> '' AND p.yr > 0
UNION ALL
SELECT e.n, 1, {fields} FROM exact e JOIN {households} h ON h.id = e.id WHERE e.rank <= {exact_limit}
"""


def area_key(site: Site) -> int:
    """The admin 2 area a site lies in (the site alone without one): duplicates are looked for there."""
    return site.admin2_id or -site.pk


def _probe_json(probes: Sequence[Household]) -> str:
    return json.dumps(
        [
            {
                "n": n,
                "area": area_key(probe.site),
                "doc": probe.id_document_key,
                "phone": probe.phone_key,
                "skel": probe.head_name_skeleton,
                "yr": probe.head_birth_year or 0,
            }
            for n, probe in enumerate(probes)
        ]
    )


def _candidate_parameters(probes: Sequence[Household]) -> list:
    documents = sorted({probe.id_document_key for probe in probes if probe.id_document_key})
    phones = sorted({probe.phone_key for probe in probes if probe.phone_key})
    return [_probe_json(probes), documents, phones]


def stored_candidates(probes: Sequence[Household]) -> list[tuple[list[Household], list[Household]]]:
    """(exact, skeleton) candidates among stored households for each probe (match keys refreshed): one query."""
    if not probes:
        return []
    found: list[tuple[dict[int, Household], dict[int, Household]]] = [({}, {}) for _probe in probes]
    sql = _POSTGRESQL_CANDIDATES.format(
        sites=Site._meta.db_table,
        households=Household._meta.db_table,
        window=BIRTH_YEAR_WINDOW,
        fuzzy_limit=FUZZY_CANDIDATE_LIMIT,
        exact_limit=EXACT_CANDIDATE_LIMIT,
        fields=", ".join(f"h.{name}" for name in _CANDIDATE_FIELDS),
    )
    households: dict[int, Household] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, _candidate_parameters(probes))
        for n, exact, *values in cursor.fetchall():
            row = dict(zip(_CANDIDATE_FIELDS, values, strict=True))
            household = households.get(row["id"]) or households.setdefault(row["id"], Household(**row))
            found[n][0 if exact else 1][household.pk] = household
    return [(_by_pk(exact)[:EXACT_CANDIDATE_LIMIT], _by_pk(skeleton)) for exact, skeleton in found]


def _by_pk(households: dict[int, Household]) -> list[Household]:
    return [households[pk] for pk in sorted(households)]


class BatchMatcher:
    """Best matches for a batch's rows in file order, as if each earlier accepted row were already stored.

    Stored candidates come from one query (`stored_candidates`); a row accepted earlier in the batch
    (`accept`) is a candidate for the later rows by the same keys, ranked after stored households as
    its later primary key would rank it. Scores and thresholds are `score`'s, as for one registration.
    """

    def __init__(self, probes: Sequence[Household]):
        self.stored = stored_candidates(probes)
        self.accepted: list[Household] = []
        self.by_document: dict[str, list[int]] = defaultdict(list)
        self.by_phone: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.by_skeleton: dict[tuple[int, str], list[int]] = defaultdict(list)

    def accept(self, household: Household) -> None:
        """The row will be registered: later rows of the batch are compared with it."""
        if not household.is_active:
            return
        position, area = len(self.accepted), area_key(household.site)
        household._batch_position = position
        self.accepted.append(household)
        if household.id_document_key:
            self.by_document[household.id_document_key].append(position)
        if household.phone_key:
            self.by_phone[area, household.phone_key].append(position)
        if household.head_name_skeleton:
            self.by_skeleton[area, household.head_name_skeleton].append(position)

    def best(self, n: int, probe: Household) -> Match | None:
        """`best_match(probe)` for row n of the batch (stored households and the accepted rows before it)."""
        candidates = {self._key(household): household for household in self._exact(n, probe)}
        candidates.update((self._key(household), household) for household in self._skeleton(n, probe))
        ranked = sorted(
            ((score(probe, candidate), key) for key, candidate in candidates.items()),
            key=lambda pair: (-pair[0].likelihood, pair[1]),
        )
        return ranked[0][0] if ranked and ranked[0][0].likelihood >= review_threshold() else None

    @staticmethod
    def _key(household: Household) -> tuple[int, int]:
        """Stored households rank by primary key, then the batch's rows in file order."""
        return (0, household.pk) if household.pk else (1, household._batch_position)

    def _exact(self, n: int, probe: Household) -> list[Household]:
        area = area_key(probe.site)
        positions = set(self.by_document.get(probe.id_document_key, ())) if probe.id_document_key else set()
        if probe.phone_key:
            positions.update(self.by_phone.get((area, probe.phone_key), ()))
        ordered = self.stored[n][0] + [self.accepted[position] for position in sorted(positions)]
        return ordered[:EXACT_CANDIDATE_LIMIT]

    def _skeleton(self, n: int, probe: Household) -> list[Household]:
        if not (probe.head_name_skeleton and probe.head_birth_year):
            return []
        year = probe.head_birth_year
        batch = [
            self.accepted[position]
            for position in self.by_skeleton.get((area_key(probe.site), probe.head_name_skeleton), ())
            if abs(self.accepted[position].head_birth_year - year) <= BIRTH_YEAR_WINDOW
        ]
        both = self.stored[n][1] + batch
        both.sort(key=lambda household: (abs(household.head_birth_year - year), self._key(household)))
        return both[:FUZZY_CANDIDATE_LIMIT]
