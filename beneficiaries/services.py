"""Writes on households. Each runs in a transaction and validates before it writes."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from accounts import audit, selectors
from accounts.models import User
from beneficiaries import codes, duplicates, identity, rules
from beneficiaries.models import SADD_FIELDS, VULNERABILITY_FIELDS, DuplicateReview, Household, ImportRow
from sites.models import Site

EDITABLE_FIELDS = (
    "head_name",
    "head_sex",
    "head_birth_year",
    "site",
    "displacement_status",
    *SADD_FIELDS,
    *VULNERABILITY_FIELDS,
    "phone",
    "id_document_type",
    "id_document_number",
    "consent_given",
    "consent_date",
    "is_active",
)
_CODE_ATTEMPTS = 5
_AREA_LOCK_NAMESPACE = 7001  # pg_advisory_xact_lock(namespace, admin 2 id): registrations in one area


def _validate(
    household: Household, *, site_checked: bool = False, types_cache: dict | None = None, model_checked: bool = False
) -> None:
    """Field errors named by field, before the database's constraints are reached.

    `site_checked`: the caller looked the site up itself (an import's scope check), so model
    validation does not query it again. `types_cache`: country -> its ID document types, for a batch.
    `model_checked`: the row passed the import's RowValidator, which checks what model validation
    checks (lengths, choices, ranges; the database's constraints stay the last word), so `full_clean`
    (60-90 µs a row) is not run a second time.
    Phones are stored in E.164 and placeholder ID numbers as no document (beneficiaries/identity.py).
    """
    errors: dict[str, list[str]] = {}
    _identity(household, errors, types_cache if types_cache is not None else {})
    counted = sum(getattr(household, field) or 0 for field in SADD_FIELDS)
    if household.household_size is None:
        household.household_size = counted
    elif household.household_size != counted:
        errors.setdefault("household_size", []).append(
            _("Household size is %(size)s but the sex and age counts add up to %(counted)s.")
            % {"size": household.household_size, "counted": counted}
        )
    if counted < 1:
        errors.setdefault("household_size", []).append(rules.no_member_error())
    low, high = rules.birth_year_bounds()
    if household.head_birth_year is not None and not (low <= household.head_birth_year <= high):
        errors.setdefault("head_birth_year", []).append(rules.birth_year_error(low, high))
    if household.consent_given and household.consent_date is None:
        household.consent_date = timezone.localdate()
    if household.consent_date and household.consent_date > timezone.localdate():
        errors.setdefault("consent_date", []).append(_("The consent date cannot be in the future."))
    if household.id_document_number and not household.id_document_type:
        errors.setdefault("id_document_type", []).append(_("Say which document the ID number belongs to."))
    try:
        if not model_checked:
            excluded = ["registration_code", "registered_by", *(["site"] if site_checked else [])]
            household.full_clean(exclude=excluded, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _identity(household: Household, errors: dict[str, list[str]], types_cache: dict) -> None:
    """Phone to E.164 with the site's country as default region; placeholder ID numbers dropped; type known."""
    site = household.site if household.site_id else None
    country = identity.site_country(site)
    if household.phone:
        try:
            household.phone = identity.normalise_phone(household.phone, country)
        except ValueError:
            errors.setdefault("phone", []).append(
                _("'%(phone)s' is not a phone number: write it with its country code (+%(example)s) or as dialled.")
                % {"phone": household.phone, "example": "223 70 12 34 56"}
            )
    if identity.is_placeholder_id_number(household.id_document_number):
        household.id_document_number = ""
        household.id_document_type = ""
    if household.id_document_type:
        if country not in types_cache:
            types_cache[country] = identity.document_types(country)
        if household.id_document_type not in {kind.code for kind in types_cache[country]}:
            errors.setdefault("id_document_type", []).append(
                _("'%(type)s' is not an ID document type accepted here: use one of %(known)s.")
                % {
                    "type": household.id_document_type,
                    "known": ", ".join(kind.code for kind in types_cache[country]) or "-",
                }
            )


def refuse_without_consent(fields: dict) -> None:
    """A registration that says consent was refused is not kept: personal data needs consent (docs/security.md)."""
    if "consent_given" in fields and fields["consent_given"] is not None and not fields["consent_given"]:
        raise ValidationError(
            {
                "consent_given": [
                    _("Consent was not given: a household's name, phone and documents are not kept without consent.")
                ]
            },
            code="no_consent",
        )


class ProbableDuplicate(ValidationError):
    """The registration very probably duplicates a known household: nothing was created.

    A ValidationError on `head_name`, so pages and the API answer it like any field error; `match`
    carries the candidate and the likelihood. Register anyway with `confirmed_distinct=True`. Raised
    only for a candidate the caller may see (register_household), so the message names it.
    """

    def __init__(self, match: duplicates.Match):
        self.match = match
        details = {
            "code": match.household.display_code,
            "likelihood": round(match.likelihood * 100),
            "reasons": ", ".join(match.reasons),
        }
        message = _(
            "This household looks like household %(code)s, already registered in this area "
            "(likelihood %(likelihood)s%%: %(reasons)s). If it is a different household, "
            "confirm it to register it."
        )
        super().__init__({"head_name": [message % details]}, code="probable_duplicate")


def _may_see(user: User | None, household: Household) -> bool:
    """A system write (no user) names the household; a person only a household in their scope."""
    return user is None or selectors.visible_households(user).filter(pk=household.pk).exists()


def area_lock_key(site: Site) -> int:
    return duplicates.area_key(site)


def lock_areas(keys: set[int]) -> None:
    """Serialise registrations in admin 2 areas, so that two officers cannot both miss each other's duplicate.

    Transaction-scoped advisory locks, taken in a fixed order (no deadlock between two imports).
    """
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS key ORDER BY key",
                [_AREA_LOCK_NAMESPACE, sorted(keys)],
            )


def register_household(
    *, registered_by: User | None, confirmed_distinct: bool = False, duplicate_source: str = "", **fields
) -> Household:
    """Create a household with a fresh registration code, after the duplicate check.

    Raises ProbableDuplicate above the hold threshold (unless `confirmed_distinct`) when the known
    household is one `registered_by` may see; between the thresholds, or above them for a household
    outside the user's scope, the household is created with a pending DuplicateReview
    (`household.duplicate_review`), which only managers see: the answer to the user is the same as
    without a match (issue 12, "quieter channels").
    """
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"household_size"}
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    refuse_without_consent(fields)
    household = Household(registered_by=registered_by, **fields)
    _validate(household)
    household.duplicate_review = None
    with transaction.atomic():
        lock_areas({area_lock_key(household.site)})
        match = None if confirmed_distinct else duplicates.best_match(household)
        if match and match.verdict == "hold" and _may_see(registered_by, match.household):
            raise ProbableDuplicate(match)
        # A probable duplicate outside what the user may see is registered and flagged for a manager
        # (who sees both), never refused: a refusal would confirm that someone is registered there.
        _insert_with_fresh_code(household)
        if match:
            household.duplicate_review = DuplicateReview.objects.create(
                kind=DuplicateReview.Kind.FLAGGED,
                household=household,
                candidate=match.household,
                site=household.site,
                likelihood=match.likelihood,
                reasons=match.reasons,
                source=duplicate_source[:200],
                created_by=registered_by,
            )
    return household


def _insert_with_fresh_code(household: Household) -> None:
    for _attempt in range(_CODE_ATTEMPTS):
        household.registration_code = codes.new_code()
        try:
            with transaction.atomic():
                household.save(force_insert=True)
            return
        except IntegrityError:
            if not Household.objects.filter(registration_code=household.registration_code).exists():
                raise
            household.pk = None  # a code collision (one in 10^12): draw again
    raise RuntimeError("Could not draw a free registration code")


@transaction.atomic
def update_household(household: Household, *, updated_by: User | None, **changes) -> Household:
    """Change a household; its past receipts keep the figures they were recorded with."""
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"household_size"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    locked = Household.objects.select_for_update().get(pk=household.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    if any(name in SADD_FIELDS for name in changes) and "household_size" not in changes:
        locked.household_size = None  # recomputed from the counts
    _validate(locked)
    locked.save()
    return locked


def registration_errors(**fields) -> dict[str, list[str]]:
    """The rule errors of a registration, without writing anything (fields as register_household takes them,
    any missing): lets a form show every error at once, not the required fields first and the rules after."""
    household = Household(**{name: value for name, value in fields.items() if name in EDITABLE_FIELDS})
    try:
        _validate(household, site_checked=True)
    except ValidationError as error:
        return {
            name: messages
            for name, messages in error.message_dict.items()
            if name in fields or name == "household_size"
        }
    return {}


def submitted_fields(fields: dict) -> dict:
    """A registration's fields as JSON (kept on a held row): the site by primary key, dates as ISO strings."""
    return {
        name: value.pk if isinstance(value, Site) else value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in fields.items()
    }


@dataclass
class Registration:
    """What became of one row given to `register_households`: ImportRow's outcome, and what it made."""

    outcome: str
    household: Household | None = None
    review: DuplicateReview | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def register_households(
    rows: Sequence[dict], *, registered_by: User | None, duplicate_source: str = "", rows_checked: bool = False
) -> list[Registration]:
    """register_household for a file's batch of rows, set-based; one Registration per row, in order.

    Each row is decided as if the rows before it were registered one by one (so a household typed twice
    in one file is held, not registered twice), with the candidates and scores of `register_household`
    under `duplicates.bulk_checks()` (no pg_trgm), found for the whole batch by one query. The rows'
    `site` must come from a scope look-up (it is not queried again). A constant number of statements,
    whatever the number of rows. `rows_checked`: the rows come from the import's RowValidator (model
    validation is not repeated, see `_validate`).
    """
    results, households = _checked(rows, registered_by, rows_checked)
    valid = [(n, household) for n, household in enumerate(households) if household is not None]
    with transaction.atomic():
        lock_areas({area_lock_key(household.site) for _n, household in valid})
        matches = _decide(valid, results, registered_by)
        accepted = [household for n, household in valid if results[n].outcome != ImportRow.Outcome.HELD]
        _bulk_insert_with_fresh_codes(accepted, registered_by)
        _bulk_reviews(valid, rows, matches, results, registered_by, duplicate_source[:200])
    return results


def _checked(
    rows: Sequence[dict], registered_by: User | None, rows_checked: bool = False
) -> tuple[list[Registration], list[Household | None]]:
    """Model validation of each row (as register_household does), match keys for the valid ones."""
    results: list[Registration] = []
    households: list[Household | None] = []
    types_cache: dict = {}
    for fields in rows:
        unknown = set(fields) - set(EDITABLE_FIELDS) - {"household_size"}
        household = Household(registered_by=registered_by, **{k: v for k, v in fields.items() if k not in unknown})
        try:
            if unknown:
                raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
            refuse_without_consent(fields)
            _validate(household, site_checked=True, types_cache=types_cache, model_checked=rows_checked)
        except ValidationError as error:
            results.append(Registration(ImportRow.Outcome.INVALID, errors=error.message_dict))
            households.append(None)
            continue
        household.refresh_match_keys()
        household.duplicate_review = None
        results.append(Registration(ImportRow.Outcome.CREATED, household=household))
        households.append(household)
    return results, households


def _decide(
    valid: list[tuple[int, Household]], results: list[Registration], registered_by: User | None
) -> dict[int, duplicates.Match]:
    """Held, flagged or created, row by row in file order; the matches above the review threshold.

    As in register_household, a match the user may not see is flagged, never held.
    """
    matcher = duplicates.BatchMatcher([household for _n, household in valid])
    stored = [candidate for lists in matcher.stored for candidates in lists for candidate in candidates]
    hidden = _hidden_candidates(registered_by, stored)
    matches: dict[int, duplicates.Match] = {}
    for position, (n, household) in enumerate(valid):
        match = matcher.best(position, household)
        if match:
            matches[n] = match
        if match and match.verdict == "hold" and match.household.pk not in hidden:
            results[n] = Registration(ImportRow.Outcome.HELD)
            continue
        if match:
            results[n].outcome = ImportRow.Outcome.FLAGGED
        matcher.accept(household)
    return matches


def _hidden_candidates(user: User | None, candidates: list[Household]) -> set[int]:
    """Primary keys of the stored candidates `user` may not see (a system write sees them all)."""
    stored = {candidate.pk for candidate in candidates if candidate.pk is not None}
    if user is None or not stored:
        return set()
    visible = set(selectors.visible_households(user).filter(pk__in=stored).values_list("pk", flat=True))
    return stored - visible


def _bulk_insert_with_fresh_codes(households: list[Household], registered_by: User | None) -> None:
    """Insert with their audit rows (channel and user of the import); a registration code taken: draw again."""
    if not households:
        return
    audit_user = audit.current_user() or registered_by
    for _attempt in range(_CODE_ATTEMPTS):
        drawn = codes.new_codes(len(households))
        for household, code in zip(households, drawn, strict=True):
            household.registration_code = code
        try:
            with transaction.atomic():
                _copy_with_history(households, audit_user)
            return
        except IntegrityError:
            for household in households:
                household.pk = None
            if not Household.objects.filter(registration_code__in=drawn).exists():
                raise
            # The unique constraint is the last word: the whole batch draws again.
    raise RuntimeError("Could not draw free registration codes")


def _copy_with_history(households: list[Household], audit_user: User | None) -> None:
    audit.copy_with_history(
        households,
        Household,
        stamped=("registered_at", "updated_at"),
        user_id=audit_user.pk if audit_user else None,
        change_reason=None,
    )


def copy_objects(objs: list[models.Model]) -> None:
    """Insert new instances of one model (no primary key, no auto_now field) by one COPY.

    For an import's row outcomes by the thousand: bulk_create's per-value preparation costs more than the insert.
    """
    if not objs:
        return
    fields = [field for field in type(objs[0])._meta.concrete_fields if not field.primary_key]
    columns = [(field.attname, isinstance(field, models.JSONField)) for field in fields]
    rows = ([Jsonb(getattr(obj, name)) if json else getattr(obj, name) for name, json in columns] for obj in objs)
    with connection.cursor() as cursor:
        audit.copy_rows(cursor, type(objs[0])._meta.db_table, [field.column for field in fields], rows)


def _bulk_reviews(valid, rows, matches, results, registered_by, source: str) -> None:
    """Flagged rows' reviews name their household; held rows keep their submitted fields. One insert."""
    reviews: dict[int, DuplicateReview] = {}
    for n, household in valid:
        match, result = matches.get(n), results[n]
        if match is None:
            continue
        held = result.outcome == ImportRow.Outcome.HELD
        reviews[n] = DuplicateReview(
            kind=DuplicateReview.Kind.HELD if held else DuplicateReview.Kind.FLAGGED,
            household=None if held else household,
            candidate=match.household,
            site=household.site,
            likelihood=match.likelihood,
            reasons=match.reasons,
            submitted_fields=submitted_fields(rows[n]) if held else {},
            source=source,
            created_by=registered_by,
        )
    DuplicateReview.objects.bulk_create(reviews.values())
    for n, review in reviews.items():
        results[n].review = review
        if review.household is not None:
            review.household.duplicate_review = review
