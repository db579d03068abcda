"""Writes on activity indicators and their results (issue 21): define an indicator, report a result (with its
breakdown, evidence and handover), correct it, approve or return it. Who may: accounts/selectors.py.

Every refusal is a ValidationError naming the field (a 400 or a form error) or a PermissionDenied; a review
and a correction lock the result's row, so two managers cannot both decide, nor a correction cross a review.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as scope
from accounts.models import Organisation, User
from projects.indicators.models import RESULT_SADD_FIELDS, ActivityIndicator, Handover, IndicatorResult
from projects.models import Project
from projects.selectors import project_areas
from projects.services import _checked, _unknown  # the projects app's field-error helpers
from sites.models import AdminArea
from stock.models import MovementKind, StockMovement

INDICATOR_FIELDS = ("code", "name", "name_fr", "name_ar", "unit", "disaggregated")
RESULT_FIELDS = ("date", "site", "admin_area", "quantity", *RESULT_SADD_FIELDS, "note")
# Evidence: a photo or a document, checked by name and first bytes before anything is stored (as imports are).
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAGIC = {".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG", ".pdf": b"%PDF"}


@transaction.atomic
def create_indicator(*, project: Project, created_by: User | None, **fields) -> ActivityIndicator:
    """A project's activity indicator (INDICATOR_FIELDS). Raises ValidationError by field (a code in use)."""
    _unknown(fields, INDICATOR_FIELDS)
    indicator = ActivityIndicator(project=project, **fields)
    _checked(indicator)
    indicator.save()
    return indicator


@transaction.atomic
def update_indicator(indicator: ActivityIndicator, *, updated_by: User | None, **changes) -> ActivityIndicator:
    """Change an indicator's INDICATOR_FIELDS; its project is fixed."""
    _unknown(changes, INDICATOR_FIELDS)
    locked = ActivityIndicator.objects.select_for_update().get(pk=indicator.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    _checked(locked)
    locked.save()
    return locked


def check_evidence(uploaded: UploadedFile) -> None:
    """Refuse, before it is stored, evidence over EVIDENCE_MAX_BYTES or whose name and first bytes are not a
    JPEG, PNG or PDF (ValidationError on `evidence`)."""
    if uploaded.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": [_("The file is larger than %(mb)s MB.") % {"mb": 10}]})
    magic = EVIDENCE_MAGIC.get(Path(uploaded.name or "").suffix.lower())
    uploaded.seek(0)
    head = uploaded.read(4)
    uploaded.seek(0)
    if magic is None or not head.startswith(magic[: len(head)]) or len(head) < len(magic):
        raise ValidationError({"evidence": [_("Evidence must be a photo (JPEG, PNG) or a PDF document.")]})


def _freeze_place(result: IndicatorResult) -> None:
    """admin1 and admin2 from the site, or from the area (an admin 1 or admin 2 area)."""
    if result.site_id:
        result.admin1_id, result.admin2_id = result.site.admin1_id, result.site.admin2_id
    else:
        area = result.admin_area
        result.admin1 = area.ancestor_at(AdminArea.Level.ADMIN1)
        result.admin2 = area if area.level == AdminArea.Level.ADMIN2 else None


def _check_result(result: IndicatorResult, user: User, breakdown_given: bool) -> None:
    """The rules of a result, each error on its field: the place is in the user's scope (officers: their
    sites; a whole area: managers, within the project's areas), the date within the project and not ahead,
    a breakdown only for a disaggregated indicator, all four groups adding up to the quantity."""
    indicator = result.indicator
    errors: dict[str, list[str]] = {}
    if result.site_id and not scope.visible_sites(user).filter(pk=result.site_id).exists():
        errors["site"] = [_("You may not report at this site.")]
    if result.admin_area_id:
        if not scope.can_report_area_results(user):
            errors["admin_area"] = [_("Report at one of your sites.")]
        elif not project_areas(indicator.project).filter(pk=result.admin_area_id).exists():
            errors["admin_area"] = [_("This area is not covered by the project.")]
    if bool(result.site_id) == bool(result.admin_area_id):
        errors["site"] = [_("Give either a site or an administrative area.")]
    if result.date and not (indicator.project.start_date <= result.date <= timezone.localdate()):
        errors["date"] = [_("The date must lie between the project's start and today.")]
    groups = [getattr(result, name) for name in RESULT_SADD_FIELDS]
    if breakdown_given and not indicator.disaggregated:
        errors["females_0_17"] = [_("This indicator is not disaggregated by sex and age.")]
    elif any(value is not None for value in groups):
        if any(value is None for value in groups):
            errors.update(
                {
                    n: [_("Give all four groups, or none.")]
                    for n, v in zip(RESULT_SADD_FIELDS, groups, strict=True)
                    if v is None
                }
            )
        elif sum(groups) != result.quantity:
            errors["quantity"] = [_("The four sex and age groups must add up to the quantity.")]
    if errors:
        raise ValidationError(errors)
    _checked(result)


def _check_handover_movement(
    result: IndicatorResult, organisation: Organisation | None, movement: StockMovement | None
) -> None:
    """A handover's stock issue must be what was handed over: kind "issued", to the same organisation, of the
    result's project and quantity, and not already linked to another handover. ValidationError on
    `handover_movement` otherwise."""
    if movement is None:
        return
    problem = None
    if organisation is None:
        problem = _("A stock issue is linked only to a handover: name the organisation it went to.")
    elif movement.kind != MovementKind.ISSUED:
        problem = _("This stock movement is not an issue to an organisation.")
    elif movement.organisation_id != organisation.pk:
        problem = _("This stock issue went to another organisation.")
    elif movement.project_id != result.indicator.project_id:
        problem = _("This stock issue belongs to another project.")
    elif movement.quantity != result.quantity:
        problem = _("This stock issue was of %(quantity)s, not of the quantity handed over.") % {
            "quantity": movement.quantity
        }
    elif Handover.objects.filter(stock_movement=movement).exists():
        problem = _("This stock issue is already linked to another handover.")
    if problem:
        raise ValidationError({"handover_movement": [problem]})


def _may_report(user: User, indicator: ActivityIndicator) -> None:
    if (
        not scope.can_report_results(user)
        or not scope.visible_activity_indicators(user).filter(pk=indicator.pk).exists()
    ):
        raise PermissionDenied(_("You may not report results for this indicator."))


@transaction.atomic
def report_result(
    *,
    reported_by: User,
    indicator: ActivityIndicator,
    evidence: UploadedFile | None = None,
    handover_to: Organisation | None = None,
    handover_movement: StockMovement | None = None,
    client_uuid=None,
    **fields,
) -> IndicatorResult:
    """Store a submitted result (RESULT_FIELDS; sex and age groups optional) with its evidence and, for a
    handover, the organisation it went to. A `client_uuid` seen before returns the stored result unchanged.
    Raises ValidationError by field, PermissionDenied outside the user's scope."""
    _unknown(fields, RESULT_FIELDS)
    _may_report(reported_by, indicator)
    if client_uuid is not None:
        stored = IndicatorResult.objects.filter(client_uuid=client_uuid).first()
        if stored is not None:
            if stored.submitted_by_id != reported_by.pk:
                raise ValidationError({"client_uuid": [_("This id is already used by another entry.")]})
            return stored
    result = IndicatorResult(indicator=indicator, submitted_by=reported_by, submitted_at=timezone.now(), **fields)
    if client_uuid is not None:
        result.client_uuid = client_uuid
    _check_result(result, reported_by, any(fields.get(name) is not None for name in RESULT_SADD_FIELDS))
    _check_handover_movement(result, handover_to, handover_movement)
    _freeze_place(result)
    if evidence is not None:
        check_evidence(evidence)
        result.evidence.save(Path(evidence.name).name, evidence, save=False)
    try:
        result.save()
        if handover_to is not None:
            Handover.objects.create(result=result, organisation=handover_to, stock_movement=handover_movement)
    except Exception:
        if result.evidence:
            result.evidence.delete(save=False)
        raise
    return result


@transaction.atomic
def correct_result(
    result: IndicatorResult, *, corrected_by: User, evidence: UploadedFile | None = None, **changes
) -> IndicatorResult:
    """Correct a submitted or returned result (RESULT_FIELDS, new evidence) and submit it again for review; an
    approved result is final. The reason it was returned stays on it until it is reviewed again."""
    _unknown(changes, RESULT_FIELDS)
    locked = IndicatorResult.objects.select_for_update().select_related("indicator__project").get(pk=result.pk)
    _may_report(corrected_by, locked.indicator)
    if not scope.visible_indicator_results(corrected_by).filter(pk=locked.pk).exists():
        raise PermissionDenied(_("You may not correct this result."))
    if locked.status == IndicatorResult.Status.APPROVED:
        raise ValidationError({"status": [_("An approved result is final.")]})
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_result(locked, corrected_by, any(changes.get(name) is not None for name in RESULT_SADD_FIELDS))
    _freeze_place(locked)
    if evidence is not None:
        check_evidence(evidence)
        previous = locked.evidence.name
        locked.evidence.save(Path(evidence.name).name, evidence, save=False)
        if previous:
            storage = locked.evidence.storage
            transaction.on_commit(lambda: storage.delete(previous))
    locked.status = IndicatorResult.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def review_result(result: IndicatorResult, *, reviewed_by: User, approve: bool, reason: str = "") -> IndicatorResult:
    """Approve a submitted result (it counts from now on) or return it with `reason` (required). Refused, each
    a ValidationError: a result already reviewed (`status`), one the reviewer submitted (four eyes), a return
    without a reason (`reason`). PermissionDenied for a user who may not review it."""
    if not scope.can_review_results(reviewed_by):
        raise PermissionDenied(_("Your role may not review results."))
    locked = IndicatorResult.objects.select_for_update().filter(pk=result.pk).first()
    if locked is None or not scope.visible_indicator_results(reviewed_by).filter(pk=locked.pk).exists():
        raise PermissionDenied(_("You may not review this result."))
    if locked.status != IndicatorResult.Status.SUBMITTED:
        raise ValidationError({"status": [_("This result was already reviewed.")]})
    if locked.submitted_by_id == reviewed_by.pk:
        raise ValidationError({"status": [_("A result is reviewed by someone other than who reported it.")]})
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": [_("Say why the result is returned.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("At most 500 characters.")]})
    locked.status = IndicatorResult.Status.APPROVED if approve else IndicatorResult.Status.RETURNED
    if not approve:
        locked.return_reason = reason
    locked.reviewed_by, locked.reviewed_at = reviewed_by, timezone.now()
    locked.save()
    return locked
