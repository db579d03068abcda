"""Writes on households. Each runs in a transaction and validates before it writes."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries import codes, duplicates
from beneficiaries.models import SADD_FIELDS, DuplicateReview, Household

EDITABLE_FIELDS = (
    "head_name",
    "head_sex",
    "head_birth_year",
    "site",
    "displacement_status",
    *SADD_FIELDS,
    "woman_headed",
    "person_with_disability",
    "older_person_headed",
    "child_headed",
    "chronic_illness",
    "pregnant_or_lactating",
    "phone",
    "id_document_type",
    "id_document_number",
    "consent_given",
    "consent_date",
    "is_active",
)
_CODE_ATTEMPTS = 5
_AREA_LOCK_NAMESPACE = 7001  # pg_advisory_xact_lock(namespace, admin 2 id): registrations in one area


def _validate(household: Household) -> None:
    """Field errors named by field, before the database's constraints are reached."""
    errors: dict[str, list[str]] = {}
    counted = sum(getattr(household, field) or 0 for field in SADD_FIELDS)
    if household.household_size is None:
        household.household_size = counted
    elif household.household_size != counted:
        errors.setdefault("household_size", []).append(
            _("Household size is %(size)s but the sex and age counts add up to %(counted)s.")
            % {"size": household.household_size, "counted": counted}
        )
    if counted < 1:
        errors.setdefault("household_size", []).append(_("A household has at least one member."))
    this_year = timezone.now().year
    if household.head_birth_year is not None and not (this_year - 120 <= household.head_birth_year <= this_year):
        errors.setdefault("head_birth_year", []).append(
            _("Enter a birth year between %(low)s and %(high)s.") % {"low": this_year - 120, "high": this_year}
        )
    if household.consent_given and household.consent_date is None:
        household.consent_date = timezone.localdate()
    if household.consent_date and household.consent_date > timezone.localdate():
        errors.setdefault("consent_date", []).append(_("The consent date cannot be in the future."))
    if household.id_document_number and not household.id_document_type:
        errors.setdefault("id_document_type", []).append(_("Say which document the ID number belongs to."))
    try:
        household.full_clean(exclude=["registration_code", "registered_by"], validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


class ProbableDuplicate(ValidationError):
    """The registration very probably duplicates a known household: nothing was created.

    A ValidationError on `head_name`, so pages and the API answer it like any field error; `match`
    carries the candidate and the likelihood. Register anyway with `confirmed_distinct=True`.
    """

    def __init__(self, match: duplicates.Match):
        self.match = match
        super().__init__(
            {
                "head_name": [
                    _(
                        "This household looks like household %(code)s, already registered in this area "
                        "(likelihood %(likelihood)s%%: %(reasons)s). If it is a different household, "
                        "confirm it to register it."
                    )
                    % {
                        "code": match.household.display_code,
                        "likelihood": round(match.likelihood * 100),
                        "reasons": ", ".join(match.reasons),
                    }
                ]
            },
            code="probable_duplicate",
        )


def area_lock_key(site) -> int:
    return site.admin2_id or -site.pk


def lock_areas(keys: set[int]) -> None:
    """Serialise registrations in admin 2 areas, so that two officers cannot both miss each other's duplicate.

    Transaction-scoped advisory locks, taken in a fixed order (no deadlock between two imports).
    """
    if connection.vendor == "postgresql" and keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS key ORDER BY key",
                [_AREA_LOCK_NAMESPACE, sorted(keys)],
            )


def _lock_area(household: Household) -> None:
    key = area_lock_key(household.site)
    if not duplicates.area_locked_by_batch(key):
        lock_areas({key})


def register_household(
    *, registered_by: User | None, confirmed_distinct: bool = False, duplicate_source: str = "", **fields
) -> Household:
    """Create a household with a fresh registration code, after the duplicate check.

    Raises ProbableDuplicate above the hold threshold (unless `confirmed_distinct`); between the
    thresholds the household is created with a pending DuplicateReview (`household.duplicate_review`).
    """
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"household_size"}
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    household = Household(registered_by=registered_by, **fields)
    _validate(household)
    household.duplicate_review = None
    with transaction.atomic():
        _lock_area(household)
        match = None if confirmed_distinct else duplicates.best_match(household)
        if match and match.verdict == "hold":
            raise ProbableDuplicate(match)
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
