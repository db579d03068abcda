"""Is this registration a household we already know? Reads only: the writes are in duplicate_services.py.

Exact rules give a likelihood of 1: the same ID document anywhere, or the same phone and head of
household name in the same admin 2 area. The fuzzy rule compares head of household names (after
transliteration, variant folding and word sorting, see matching.py) of households in the same
admin 2 area whose head was born within two years, then weighs the other facts: birth year, sex
of the head, phone. Candidates are found by index: the name skeleton on every backend, and on
PostgreSQL also pg_trgm similarity of the name keys (typos in consonants). The likelihood itself
is computed here in Python, the same on SQLite and PostgreSQL, so thresholds mean one thing.

Thresholds (settings): at or above DUPLICATE_HOLD_THRESHOLD a row is held, not created; at or
above DUPLICATE_REVIEW_THRESHOLD it is created and flagged for a reviewer.
"""

import contextlib
import contextvars
from collections.abc import Iterator
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
# File imports check rows by the thousand: there the pg_trgm query (a few ms a row against a million
# households) is left out, and candidates come from the exact keys and the name skeleton only.
_trigram_search = contextvars.ContextVar("duplicate_trigram_search", default=True)
_area_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar("duplicate_area_cache", default=None)
_batch_locked_areas: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "batch_locked_areas", default=frozenset()
)


@contextlib.contextmanager
def areas_locked_by_batch(keys: set[int]) -> Iterator[None]:
    """Inside a batch transaction that already holds these areas' advisory locks (services.lock_areas)."""
    token = _batch_locked_areas.set(frozenset(keys))
    try:
        yield
    finally:
        _batch_locked_areas.reset(token)


def area_locked_by_batch(key: int) -> bool:
    return key in _batch_locked_areas.get()


@contextlib.contextmanager
def bulk_checks() -> Iterator[None]:
    """For a file import: no pg_trgm query, and each area's sites looked up once."""
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
    "head_name_key",
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
    found = {household.pk: household for household in active.filter(exact)[:20]} if exact else {}
    if probe.head_name_skeleton and probe.head_birth_year:
        # Common names have hundreds of namesakes in an area: the closest birth years first.
        same_skeleton = active.filter(area, head_name_skeleton=probe.head_name_skeleton, head_birth_year__range=years)
        closest = same_skeleton.order_by(Abs(F("head_birth_year") - year), "pk")[:FUZZY_CANDIDATE_LIMIT]
        found.update((household.pk, household) for household in closest)
    if probe.head_name_key and probe.head_birth_year:
        nearby = active.filter(area, head_birth_year__range=years)
        if connection.vendor == "postgresql" and _trigram_search.get():
            # pg_trgm's % operator (threshold pg_trgm.similarity_threshold, 0.3 by default), served by the
            # GIN index household_name_key_trgm (migration 0003): typos in consonants the skeleton keeps.
            similar = nearby.filter(TrigramSimilar(F("head_name_key"), Value(probe.head_name_key)))
            found.update((household.pk, household) for household in similar[:FUZZY_CANDIDATE_LIMIT])
    return list(found.values())


def score(probe: Household, candidate: Household) -> Match:
    """The likelihood that `probe` is the household `candidate`, with the reasons in plain words."""
    if probe.id_document_key and probe.id_document_key == candidate.id_document_key:
        return Match(candidate, 1.0, ["same ID document"])
    name = matching.name_similarity(probe.head_name_key, candidate.head_name_key)
    same_phone = bool(probe.phone_key) and probe.phone_key == candidate.phone_key
    if same_phone and name == 1.0:  # candidates found by phone are in the same area
        return Match(candidate, 1.0, ["same phone and head of household name in the same area"])
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
